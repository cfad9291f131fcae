"""DueWatcher: sleeps until the nearest due time and fires what has passed.

It never scans what it watches: each round is one `min(due)` read and, when something is
due, one firing transaction, both on the head of a partial index. A consumed batch that
brings a nearer due time wakes it early. The sleep is capped (`max_sleep`) so a replica
whose peer consumed a new due time, or crashed holding it, still looks soon.

Two run in the notifier, the same mechanism over two tables: task deadlines
(`overdue_watcher`: `deadlines_due`) and idle deals (`idle_watcher`: `idle_deals_due`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime

from crm_shared.machinery.loops import Periodic
from notifier.handlers import idle, overdue
from notifier.handlers.context import Context

log = logging.getLogger(__name__)
# Wake a hair after the due time, not before: an early wake only finds nothing due.
_EPSILON = 0.002
# At start, how long to wait for the consumer to catch up before firing anyway.
CATCH_UP_LIMIT = 10.0

Fire = Callable[[int], Awaitable[int]]
"""Fire up to n due rows in one transaction; how many fired."""
Nearest = Callable[[], Awaitable[tuple[datetime | None, datetime]]]
"""The nearest due time still to fire (None: nothing), and the database's clock."""


class DueWatcher:
    """A timer over a due-ordered table: exactly once per row, even with replicas (the
    firing statement's SKIP LOCKED and its fired mark, committed with what it sends)."""

    def __init__(
        self,
        name: str,
        fire: Fire,
        nearest: Nearest,
        *,
        batch: int,
        max_sleep: float,
        caught_up: Callable[[], Awaitable[bool]] | None = None,
    ) -> None:
        self.name = name
        self._fire = fire
        self._nearest = nearest
        self._batch = batch
        self._max_sleep = max_sleep
        self._caught_up = caught_up
        self._target: datetime | None = None
        # Woken before the next read: a wake is covered by that read, since wakes are sent
        # only after their due time is committed. Database trouble only delays firing.
        self._loop = Periodic(name, self._round)

    def due_added(self, due: datetime) -> None:
        """Called after a commit that added `due`: wake if it is nearer than our alarm."""
        if self._target is None or due < self._target:
            self._loop.wake()

    def stop(self) -> None:
        """Finish the current round and return from `run`."""
        self._loop.stop()

    async def run(self) -> None:
        """Fire due rows until stopped."""
        await self._wait_for_consumer()
        await self._loop.run()

    async def _round(self) -> float:
        """Fire what is due; returns how long to sleep (until the nearest due time)."""
        if await self._fire(self._batch) >= self._batch:
            return 0.0  # a backlog (e.g. after downtime): drain it without sleeping
        nearest, now = await self._nearest()
        self._target = nearest
        delay = self._max_sleep
        if nearest is not None:
            delay = min(delay, max(0.0, (nearest - now).total_seconds() + _EPSILON))
        return delay

    async def _wait_for_consumer(self) -> None:
        """Due times that passed while we were down must not fire before the events that
        arrived meanwhile are recorded (a TaskClosed, a deal's activity): that would report
        a task completed in time, or a deal worked on, as lapsed. So wait (boundedly) until
        the consumer has nothing pending."""
        if self._caught_up is None:
            return
        limit = time.monotonic() + CATCH_UP_LIMIT
        while not self._loop.stopping and time.monotonic() < limit:
            try:
                if await self._caught_up():
                    return
            except Exception as exc:  # consumer not created yet, bus reconnecting
                log.debug("%s: waiting for its consumer: %r", self.name, exc)
            await asyncio.sleep(0.05)
        if not self._loop.stopping:  # stopped while waiting: nothing to warn of
            log.warning(
                "%s: consumer not caught up after %.0fs; watching anyway", self.name, CATCH_UP_LIMIT
            )


def overdue_watcher(
    ctx: Context, *, batch: int, max_sleep: float, caught_up: Callable[[], Awaitable[bool]]
) -> DueWatcher:
    """Task deadlines: TaskOverdue and the РОП's notice, once per task."""

    async def fire(limit: int) -> int:
        return await overdue.fire_overdue(ctx, limit)

    async def nearest() -> tuple[datetime | None, datetime]:
        return await overdue.nearest_deadline(ctx)

    return DueWatcher(
        "overdue watcher", fire, nearest, batch=batch, max_sleep=max_sleep, caught_up=caught_up
    )


def idle_watcher(
    ctx: Context, *, batch: int, max_sleep: float, caught_up: Callable[[], Awaitable[bool]]
) -> DueWatcher:
    """Idle deals: the responsible's deal_idle notice, once per stretch of no activity."""

    async def fire(limit: int) -> int:
        return await idle.fire_idle(ctx, limit)

    async def nearest() -> tuple[datetime | None, datetime]:
        return await idle.nearest_idle(ctx)

    return DueWatcher(
        "idle watcher", fire, nearest, batch=batch, max_sleep=max_sleep, caught_up=caught_up
    )
