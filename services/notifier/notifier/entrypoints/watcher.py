"""OverdueWatcher: sleeps until the nearest deadline and fires what has passed.

It never scans the watched tasks: each round is one `min(deadline)` read and, when
something is due, one firing transaction, both on the head of a partial index. A consumed
batch that brings a nearer deadline wakes it early. The sleep is capped (`max_sleep`) so a
replica whose peer consumed a new deadline, or crashed holding it, still looks soon.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime

from crm_shared.machinery.loops import Periodic
from notifier.handlers.context import Context
from notifier.handlers.overdue import fire_overdue, nearest_deadline

log = logging.getLogger(__name__)
# Wake a hair after the deadline, not before: an early wake only finds nothing due.
_EPSILON = 0.002
# At start, how long to wait for the task consumer to catch up before firing anyway.
CATCH_UP_LIMIT = 10.0


class OverdueWatcher:
    """The notifier's timer: exactly once per task, even with replicas (see `fire_due`)."""

    def __init__(
        self,
        ctx: Context,
        *,
        batch: int,
        max_sleep: float,
        caught_up: Callable[[], Awaitable[bool]] | None = None,
    ) -> None:
        self._ctx = ctx
        self._batch = batch
        self._max_sleep = max_sleep
        self._caught_up = caught_up
        self._target: datetime | None = None
        # Woken before the next read: a wake is covered by that read, since wakes are sent
        # only after their deadline is committed. Database trouble only delays firing.
        self._loop = Periodic("overdue watcher", self._round)

    def deadline_added(self, deadline: datetime) -> None:
        """Called after a commit that added `deadline`: wake if it is nearer than our alarm."""
        if self._target is None or deadline < self._target:
            self._loop.wake()

    def stop(self) -> None:
        """Finish the current round and return from `run`."""
        self._loop.stop()

    async def run(self) -> None:
        """Fire due deadlines until stopped."""
        await self._wait_for_consumer()
        await self._loop.run()

    async def _round(self) -> float:
        """Fire what is due; returns how long to sleep (until the nearest deadline)."""
        if await fire_overdue(self._ctx, self._batch) >= self._batch:
            return 0.0  # a backlog (e.g. after downtime): drain it without sleeping
        nearest, now = await nearest_deadline(self._ctx)
        self._target = nearest
        delay = self._max_sleep
        if nearest is not None:
            delay = min(delay, max(0.0, (nearest - now).total_seconds() + _EPSILON))
        return delay

    async def _wait_for_consumer(self) -> None:
        """Deadlines that passed while we were down must not fire before the TaskClosed
        events that arrived meanwhile are recorded: that would report a task completed in
        time. So wait (boundedly) until the task consumer has nothing pending."""
        if self._caught_up is None:
            return
        limit = time.monotonic() + CATCH_UP_LIMIT
        while not self._loop.stopping and time.monotonic() < limit:
            try:
                if await self._caught_up():
                    return
            except Exception as exc:  # consumer not created yet, bus reconnecting
                log.debug("waiting for the task consumer: %r", exc)
            await asyncio.sleep(0.05)
        log.warning("task consumer not caught up after %.0fs; watching anyway", CATCH_UP_LIMIT)
