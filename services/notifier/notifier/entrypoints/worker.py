"""DeliveryWorker: works off due webhook and e-mail deliveries, shared between replicas.

Sleeps until the earliest pending delivery is due (one `min(next_attempt_at)` read),
woken at once when a commit queues new ones; the sleep is capped so that deliveries queued
by another replica are picked up soon too.
"""

from __future__ import annotations

import asyncio
import logging

from crm_shared.machinery.loops import Periodic
from notifier.handlers.context import Context
from notifier.handlers.deliveries import attempt, claim_due, next_due_in

log = logging.getLogger(__name__)


class DeliveryWorker:
    """Claims due deliveries (FOR UPDATE SKIP LOCKED, with a lease) and attempts them."""

    def __init__(self, ctx: Context, *, batch: int, lease: float, max_sleep: float) -> None:
        self._ctx = ctx
        self._batch = batch
        self._lease = lease
        self._max_sleep = max_sleep
        # Trouble with the database only delays deliveries.
        self._loop = Periodic("delivery worker", self._round)

    def wake(self) -> None:
        """New deliveries were committed: look now."""
        self._loop.wake()

    def stop(self) -> None:
        """Finish the current attempts and return from `run`."""
        self._loop.stop()

    async def run(self) -> None:
        """Deliver until stopped."""
        await self._loop.run()

    async def _round(self) -> float:
        """Attempt what is due; returns how long to sleep (until the next is due)."""
        claimed = await claim_due(self._ctx, self._batch, self._lease)
        if claimed:
            results = await asyncio.gather(
                *(attempt(self._ctx, c) for c in claimed), return_exceptions=True
            )
            for result in results:
                if isinstance(result, BaseException):
                    # The lease runs out and the delivery is tried again.
                    log.warning("delivery attempt failed: %r", result)
            return 0.0
        due_in = await next_due_in(self._ctx)
        return self._max_sleep if due_in is None else min(self._max_sleep, max(due_in, 0))
