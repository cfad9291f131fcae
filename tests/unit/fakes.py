"""Fakes for handler unit tests (cosmicpython's FakeUnitOfWork idea): no database, no bus.

`FakeUnitOfWork` has the shared unit of work's surface that handlers and adapters' writers
use (`emit`, `defer`, `commit`, the `async with`): what it commits is `published` (the
events the bus would carry, `FakeBus`), and leaving without a commit drops it, as a rollback
does. The handlers read through their adapter modules (`repo.get_deal(uow.conn, …)`), so a
service's fake store stands in for those modules' reads and keeps the saved aggregates; the
writers that only queue SQL (`uow.defer`) run as they are. A handler's decisions (what it
refuses, what it saves, what it emits) are then tested in milliseconds; the SQL itself is
the integration and e2e tiers' business.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from crm_shared.contracts.base import EventData


@dataclass
class FakeBus:
    """What committed units of work handed to the relay: (subject, event), in order."""

    published: list[tuple[str, EventData]] = field(default_factory=list)

    def events(self, kind: type[EventData] | None = None) -> list[EventData]:
        """The published events (of `kind` only, when given)."""
        return [e for _, e in self.published if kind is None or isinstance(e, kind)]


class FakeUnitOfWork:
    """One pretend transaction: events and writes are kept until commit, dropped without."""

    schema = "fake"

    def __init__(self, bus: FakeBus) -> None:
        self.bus = bus
        # A fake store handed `uow.conn` (as the adapters are) gets the unit itself, so that
        # a write made on the connection is kept only if the unit commits.
        self.conn: Any = self
        self.committed = False
        self._events: list[tuple[str, EventData]] = []
        self.writes: list[tuple[str, tuple[Any, ...]]] = []
        self.on_commit: list[Callable[[], None]] = []

    async def __aenter__(self) -> FakeUnitOfWork:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._events.clear()
        self.on_commit.clear()

    def emit(self, data: EventData, *, subject_id: str, nats_subject: str | None = None) -> str:
        """Queue an event; returns a made-up id."""
        self._events.append((nats_subject or data.SUBJECT, data))
        return f"event-{len(self.bus.published) + len(self._events)}"

    def defer(self, sql: str, *args: Any) -> None:
        """Queue a write (kept for a test that wants to look, never run)."""
        self.writes.append((sql, args))

    async def commit(self) -> None:
        """Hand the queued events to the bus."""
        self.bus.published.extend(self._events)
        for write in self.on_commit:
            write()
        self._events.clear()
        self.on_commit.clear()
        self.committed = True


class UnitsOfWork:
    """A `ctx.uow` factory of fake units of work on one bus; `made` lists every one."""

    def __init__(self) -> None:
        self.bus = FakeBus()
        self.made: list[FakeUnitOfWork] = []

    def __call__(self) -> FakeUnitOfWork:
        uow = FakeUnitOfWork(self.bus)
        self.made.append(uow)
        return uow

    @property
    def commits(self) -> int:
        """How many units of work committed."""
        return sum(u.committed for u in self.made)


class Stored:
    """A fake store's rows: aggregates kept as copies, written when the unit commits."""

    def __init__(self) -> None:
        self.rows: dict[str, Any] = {}

    def read(self, key: str) -> Any:
        """A copy, as a database read gives a new object."""
        row = self.rows.get(key)
        return copy.deepcopy(row) if row is not None else None

    def write(self, uow: FakeUnitOfWork, key: str, row: Any) -> None:
        """Kept at the unit's commit (a copy of the row as it is now)."""
        kept = copy.deepcopy(row)
        uow.on_commit.append(lambda: self.rows.__setitem__(key, kept))
