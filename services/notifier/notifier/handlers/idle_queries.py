"""What the notifier answers and sends about idle deals besides the notice: which deals are
idle (the board's mark), the thresholds (the РОП's page), and the РОП's daily digest."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from crm_shared.config.access import scope
from crm_shared.contracts.notify import IdleDeals, IdleThresholds
from crm_shared.contracts.refusals import ok
from crm_shared.contracts.text import utc_text
from notifier.adapters import idle as repo
from notifier.domain.idle import IdleRow
from notifier.domain.idle_messages import digest_notifications
from notifier.handlers.context import Context
from notifier.handlers.notify import count_published, dispatch

DIGEST_LIMIT = 10_000
"""Idle deals read for one digest run (idle longest first); each РОП's lists the first 50."""


def _shown(row: IdleRow) -> dict[str, Any]:
    return {
        "deal_id": row.deal_id,
        "stage": row.stage,
        "responsible_id": row.responsible_id,
        "idle_since": utc_text(row.due_at),
        "last_activity_at": utc_text(row.last_activity_at),
    }


async def idle_deals(q: IdleDeals, ctx: Context) -> dict[str, Any]:
    """`IdleDeals`: those of the deals asked about that are idle now, in the actor's scope
    (a manager with `own` hears only of their own deals, whatever ids were asked about; an
    unknown actor is `not_found`)."""
    own = scope(ctx.config, q.actor_id)
    async with ctx.uow() as uow:
        rows = await repo.idle_among(uow.conn, q.deal_ids)
    return ok(items=[_shown(r) for r in rows if own is None or r.responsible_id == own])


async def idle_thresholds(q: IdleThresholds, ctx: Context) -> dict[str, Any]:
    """`IdleThresholds`: every active stage's threshold in pipeline order, as kept."""
    async with ctx.uow() as uow:
        items, computed_at = await repo.thresholds(uow.conn)
    order = {s.code: i for i, s in enumerate(ctx.config.pipeline.stages)}
    items.sort(key=lambda t: order.get(t.stage, len(order)))
    return ok(
        computed_at=utc_text(computed_at) if computed_at else None,
        items=[t.model_dump(mode="json") for t in items],
    )


async def send_digest(ctx: Context, day: date) -> int:
    """The digest of `day` (a local date) to every РОП with idle deals, once whatever the
    replicas: the day is claimed in the same transaction. Returns how many were sent."""
    async with ctx.uow() as uow:
        if not await repo.claim_digest(uow.conn, day):
            return 0
        now: datetime = await uow.conn.fetchval("SELECT now()")
        rows = await repo.all_idle(uow.conn, DIGEST_LIMIT)
        notes = digest_notifications(
            rows,
            now,
            ctx.config.default_rop,
            {s.code: s.name for s in ctx.config.stages},
            {u.id: u.name for u in ctx.config.users},
            ctx.config.notifications.templates,
        )
        queued = await dispatch(uow, ctx, notes)
        await uow.commit()
    count_published(ctx, queued)
    return len(notes)
