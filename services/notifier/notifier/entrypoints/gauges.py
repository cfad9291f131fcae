"""Refreshes the gauges that need a count: watched deadlines, pending and failed deliveries;
and, on the same slow timer, forgets inbox notifications older than their retention.

Counting is the one query that reads every watched row, so it runs on its own slow timer
for the dashboard, never as part of watching.
"""

from __future__ import annotations

import logging

from crm_shared.machinery.faults import is_transient
from crm_shared.machinery.loops import Periodic
from notifier.adapters import deadlines, deliveries, idle
from notifier.adapters.metrics import UNASSIGNED
from notifier.handlers.context import Context
from notifier.handlers.inbox import prune_inbox

log = logging.getLogger(__name__)


class GaugeRefresher:
    """Sets `crm_deadlines_watched`, `crm_deliveries_pending`, `crm_deliveries_failed` and
    `crm_deals_idle` every `interval` seconds."""

    def __init__(self, ctx: Context, interval: float = 15.0) -> None:
        self._ctx = ctx
        self._loop = Periodic("notifier gauges", self._round, interval=interval)

    def stop(self) -> None:
        """Return from `run`."""
        self._loop.stop()

    async def run(self) -> None:
        """Refresh until stopped."""
        await self._loop.run()

    async def _round(self) -> None:
        """Refresh, then prune; a failure of either waits for the next turn."""
        try:
            await self.refresh()
        except Exception as exc:  # a dashboard number may be stale; nothing else suffers
            log.debug("gauge refresh failed: %r", exc)
        try:
            await prune_inbox(self._ctx)
        except Exception as exc:  # the list query hides expired ones meanwhile
            # The database down is said by the runtime's watch, not here every turn.
            level = logging.DEBUG if is_transient(exc) else logging.WARNING
            log.log(level, "pruning the notification inbox failed: %r", exc)

    async def refresh(self) -> None:
        """Count once."""
        async with self._ctx.uow() as uow:
            watched = await deadlines.count_watched(uow.conn)
            pending = await deliveries.count_pending(uow.conn)
            failed = await deliveries.count_failed(uow.conn)
            idle_now = await idle.count_idle(uow.conn)
        m = self._ctx.metrics
        m.deals_idle.clear()  # a pair with none idle any more drops out
        for stage, responsible, n in idle_now:
            m.deals_idle.labels(stage, responsible or UNASSIGNED).set(n)
        self._ctx.metrics.deadlines_watched.set(watched)
        self._ctx.metrics.deliveries_pending.set(pending)
        self._ctx.metrics.deliveries_failed.set(failed)
