"""Transactional outbox: events are rows written in the business transaction.

`UnitOfWork` collects the events a use case raises and writes them all with one INSERT just
before COMMIT, so state and events commit together or not at all. Writes a handler `defer`s
go out in that same statement: a batch's writes cost one round trip, not one each. `OutboxRelay` (in
`crm_shared.machinery.relay`) publishes them to JetStream with `Nats-Msg-Id` = event id, deletes the
rows once acknowledged, and retries until they are.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Callable
from functools import partial
from types import TracebackType
from typing import Any

import asyncpg

from crm_shared.contracts.base import EventData
from crm_shared.contracts.envelope import CloudEvent
from crm_shared.machinery.relay import Committed, OutboxRelay
from crm_shared.machinery.request_key import CURRENT_REQUEST

log = logging.getLogger(__name__)
_PARAM = re.compile(r"\$(\d+)")


def outbox_ddl(schema: str) -> list[str]:
    """DDL of the outbox table, for a service's first migration."""
    return [
        f"""CREATE TABLE "{schema}".outbox (
            id BIGSERIAL PRIMARY KEY,
            event_id TEXT NOT NULL UNIQUE,
            subject TEXT NOT NULL,
            payload BYTEA NOT NULL,
            created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
            attempts INT NOT NULL DEFAULT 0,
            last_error TEXT
        )""",
    ]


class UnitOfWork:
    """One transaction on one connection, plus the events it raises.

    Use as `async with UnitOfWork(...) as uow:`; call `await uow.commit()` at the end. Leaving
    the block without commit rolls back and drops the collected events.
    """

    def __init__(
        self,
        pool: asyncpg.Pool,
        schema: str,
        source: str,
        on_commit: Callable[[list[Committed]], None],
    ) -> None:
        self._pool = pool
        self._schema = schema
        self._source = source
        self._on_commit = on_commit
        self._events: list[Committed] = []
        self._writes: list[tuple[str, tuple[Any, ...]]] = []
        self.conn: asyncpg.Connection
        self._tx: Any = None

    async def __aenter__(self) -> UnitOfWork:
        self.conn = await self._pool.acquire()
        try:
            self._tx = self.conn.transaction()
            await self._tx.start()
        except BaseException:
            # __aexit__ does not run when __aenter__ fails: give the connection back here,
            # or every failed start during a database outage leaks one and drains the pool.
            self._tx = None
            await self._pool.release(self.conn)
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if self._tx is not None:
                with contextlib.suppress(Exception):
                    await self._tx.rollback()
        finally:
            self._events.clear()
            self._writes.clear()
            await self._pool.release(self.conn)

    def emit(self, data: EventData, *, subject_id: str, nats_subject: str | None = None) -> str:
        """Queue an event for the outbox; returns its id."""
        event_id, body = CloudEvent.encode(
            source=self._source, type=data.TYPE, subject=subject_id, data=data
        )
        self._events.append(Committed(event_id, nats_subject or data.SUBJECT, body))
        return event_id

    def emit_raw(self, event_id: str, subject: str, payload: bytes) -> None:
        """Queue a message that is not an event (a dead letter) for the outbox, as it is."""
        self._events.append(Committed(event_id, subject, payload))

    def defer(self, sql: str, *args: Any) -> None:
        """Queue an INSERT, UPDATE or DELETE for commit, sent in one statement with the outbox.

        The queued writes become sub-statements of one `WITH` query, so they cost a single
        round trip. They run on one snapshot and in no set order: none sees another's rows
        (nor does a trigger they fire), so defer only writes that do not depend on each
        other. Foreign keys are checked at the end of the statement, so a row may refer to
        one inserted beside it.
        """
        self._writes.append((sql, args))

    async def flush(self) -> None:
        """Send the writes queued so far now (one statement, inside the transaction), so
        that a later statement and its triggers see their rows; events still wait for
        commit. For writes that depend on earlier ones (an imported deal's history rows)."""
        writes = list(self._writes)
        self._writes.clear()
        if writes:
            sql, args = combine(writes)
            await self.conn.execute(sql, *args)

    @property
    def schema(self) -> str:
        """The service's database schema."""
        return self._schema

    async def commit(self) -> None:
        """Write the queued events, commit, and hand them to the relay.

        Inside a command that carries a `request_id`, its key is written too, in the same
        statement: the change and the record that it was made commit together
        (crm_shared.machinery.requests).
        """
        rows = list(self._events)
        writes = list(self._writes)
        pending = CURRENT_REQUEST.get()
        if pending is not None and not pending.recorded:
            writes.append(pending.insert(self._schema))
        if rows:
            writes.append(
                (
                    f"""INSERT INTO "{self._schema}".outbox (event_id, subject, payload)
                        SELECT * FROM unnest($1::text[], $2::text[], $3::bytea[])""",
                    (
                        [r.event_id for r in rows],
                        [r.subject for r in rows],
                        [r.payload for r in rows],
                    ),
                )
            )
        if writes:
            sql, args = combine(writes)
            await self.conn.execute(sql, *args)
        await self._tx.commit()
        self._tx = None
        if rows:
            self._on_commit(rows)


def _renumber(offset: int, match: re.Match[str]) -> str:
    return f"${int(match.group(1)) + offset}"


def combine(statements: list[tuple[str, tuple[Any, ...]]]) -> tuple[str, list[Any]]:
    """Several data-modifying statements as one: all but the last become `WITH` items.

    Each statement numbers its parameters from $1; they are renumbered to follow on.
    """
    if len(statements) == 1:
        sql, args = statements[0]
        return sql, list(args)
    parts: list[str] = []
    values: list[Any] = []
    for sql, args in statements:
        offset = len(values)
        parts.append(_PARAM.sub(partial(_renumber, offset), sql))
        values.extend(args)
    items = ", ".join(f"w{i} AS ({part})" for i, part in enumerate(parts[:-1]))
    return f"WITH {items} {parts[-1]}", values


__all__ = ["Committed", "OutboxRelay", "UnitOfWork", "combine", "outbox_ddl"]
