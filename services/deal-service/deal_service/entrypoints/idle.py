"""The nightly recount of idle thresholds: once at start, then every night at
`pipeline.idle_recount_at` of the configuration (03:00 unless set) on the team's clock.
Every replica recounts; the copies are the same numbers, and whoever consumes them replaces
what it had, so a repeat is harmless."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from crm_shared.config import CrmConfig
from crm_shared.locale import next_local
from crm_shared.machinery.loops import Periodic
from deal_service.handlers.context import Context
from deal_service.handlers.idle import publish_thresholds

log = logging.getLogger(__name__)


class ThresholdRecount:
    """Publishes the thresholds now, then every night; a failed recount is retried with the
    loop's back-off (the database down: the next round)."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx
        self._loop = Periodic("idle thresholds recount", self._round, max_backoff=300.0)

    def stop(self) -> None:
        """Return from `run`."""
        self._loop.stop()

    async def run(self) -> None:
        """Recount until stopped."""
        await self._loop.run()

    async def _round(self) -> float:
        event = await publish_thresholds(self._ctx)
        watched = sum(1 for t in event.items if t.seconds is not None)
        log.info("idle thresholds published: %d of %d stages watched", watched, len(event.items))
        now = datetime.now(UTC)
        return (next_recount(self._ctx.config, now) - now).total_seconds()


def next_recount(config: CrmConfig, now: datetime) -> datetime:
    """The next recount after `now`: `pipeline.idle_recount_at` on the team's clock, today
    or tomorrow (UTC)."""
    return next_local(config.pipeline.idle_recount_at, config.zone(), now)
