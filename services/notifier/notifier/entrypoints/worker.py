"""DeliveryWorker: works off due webhook and e-mail deliveries, shared between replicas.

Sleeps until the earliest pending delivery is due (one `min(next_attempt_at)` read),
woken at once when a commit queues new ones; the sleep is capped so that deliveries queued
by another replica are picked up soon too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

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
        self._wake = asyncio.Event()
        self._stopping = False

    def wake(self) -> None:
        """New deliveries were committed: look now."""
        self._wake.set()

    def stop(self) -> None:
        """Finish the current attempts and return from `run`."""
        self._stopping = True
        self._wake.set()

    async def run(self) -> None:
        """Deliver until stopped; trouble with the database only delays deliveries."""
        backoff = 0.1
        while not self._stopping:
            self._wake.clear()
            try:
                claimed = await claim_due(self._ctx, self._batch, self._lease)
                if claimed:
                    results = await asyncio.gather(
                        *(attempt(self._ctx, c) for c in claimed), return_exceptions=True
                    )
                    for result in results:
                        if isinstance(result, BaseException):
                            # The lease runs out and the delivery is tried again.
                            log.warning("delivery attempt failed: %r", result)
                    continue
                due_in = await next_due_in(self._ctx)
            except Exception as exc:
                log.warning("delivery worker failed, retrying in %.1fs: %r", backoff, exc)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            backoff = 0.1
            delay = self._max_sleep if due_in is None else min(self._max_sleep, max(due_in, 0))
            if delay > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=delay)
