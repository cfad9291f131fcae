"""The РОП's daily digest of idle deals, at `notifications.idle_digest_at` on the team's
clock (the configuration's `timezone`). Sleeps until then (capped, so a changed clock or a
long suspend is noticed), then sends the day's digest once (`send_digest` claims the day)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, time

from crm_shared.locale import next_local
from crm_shared.machinery.loops import Periodic
from notifier.handlers.context import Context
from notifier.handlers.idle_queries import send_digest

log = logging.getLogger(__name__)
MAX_SLEEP = 600.0


class IdleDigest:
    """Sends the digest every day at `at` (local)."""

    def __init__(self, ctx: Context, at: time) -> None:
        self._ctx = ctx
        self._at = at
        self._zone = ctx.config.zone()
        self._next = next_local(at, self._zone, datetime.now(UTC))
        self._loop = Periodic("idle digest", self._round, max_backoff=60.0)

    def stop(self) -> None:
        """Return from `run`."""
        self._loop.stop()

    async def run(self) -> None:
        """Send digests until stopped."""
        await self._loop.run()

    async def _round(self) -> float:
        now = datetime.now(UTC)
        if now >= self._next:
            day = self._next.astimezone(self._zone).date()
            sent = await send_digest(self._ctx, day)
            log.info("idle digest of %s: %d sent", day.isoformat(), sent)
            self._next = next_local(self._at, self._zone, now)
        return min(MAX_SLEEP, (self._next - now).total_seconds() + 0.01)
