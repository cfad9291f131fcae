"""A deal given to another manager (DealUpdated naming "responsible_id"): its new
responsible and its previous one are told, once per change, in the transaction that records
the event (the deal consumer's, `handlers.idle.record_deal_events`)."""

from __future__ import annotations

import asyncpg

from crm_shared.contracts.deal import DealUpdated
from crm_shared.contracts.notify import Notification
from notifier.adapters import deadlines
from notifier.domain.handover_messages import handover_notifications, is_handover
from notifier.handlers.context import Context


async def handover_notes(
    conn: asyncpg.Connection, ctx: Context, events: list[DealUpdated]
) -> list[Notification]:
    """The notices of the handovers among `events` (fresh ones: the caller claimed them), with
    each deal's open tasks as the notifier knows them."""
    handovers = [e for e in events if is_handover(e)]
    if not handovers:
        return []
    counts = await deadlines.open_tasks(conn, sorted({e.deal.id for e in handovers}))
    names = {u.id: u.name for u in ctx.config.users}
    stage_names = {s.code: s.name for s in ctx.config.stages}
    return [
        note
        for e in handovers
        for note in handover_notifications(
            e,
            counts.get(e.deal.id, 0),
            stage_names.get(e.deal.stage, e.deal.stage),
            names,
            ctx.config.notifications.templates,
        )
    ]
