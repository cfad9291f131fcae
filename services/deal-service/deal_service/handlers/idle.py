"""Idle thresholds (issue 24): measured over the stage history and published, at start and
every night, as `IdleThresholdsSet` through the outbox; the notifier watches with them."""

from __future__ import annotations

from crm_shared.contracts.deal import IdleThresholdsSet
from crm_shared.contracts.envelope import utcnow
from deal_service.adapters import idle as repo
from deal_service.domain.idle import PERCENTILE, WINDOW, choose, forward_moves
from deal_service.handlers.context import Context


async def publish_thresholds(ctx: Context) -> IdleThresholdsSet:
    """Measure every active stage's threshold now and publish them; returns the event."""
    now = utcnow()
    since = now - WINDOW
    async with ctx.uow() as uow:
        measured = await repo.forward_stays(uow.conn, forward_moves(ctx.config), since, PERCENTILE)
        event = IdleThresholdsSet(computed_at=now, since=since, items=choose(ctx.config, measured))
        uow.emit(event, subject_id="idle-thresholds")
        await uow.commit()
    return event
