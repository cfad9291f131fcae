"""Idle deals (issue 24): keeping each watched deal's last activity and due time in step
with the deal and task events, taking deal-service's thresholds, and firing the deals whose
due time passed (DealWentIdle for everyone who sees the deal, and the responsible's deal_idle
notice, once per idle stretch). The same consumer tells of a deal given to another manager
(`handlers.handovers`)."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from crm_shared.contracts.deal import DealUpdated, DealWentIdle, IdleThresholdsSet
from crm_shared.machinery import inbox
from crm_shared.machinery.consumer import Item
from notifier.adapters import idle as repo
from notifier.adapters.metrics import UNASSIGNED
from notifier.domain.idle import ActiveStage, IdleEvent, Sighting, Touch, activity_of, fold
from notifier.domain.idle_messages import idle_notification
from notifier.domain.refusals import stages_reached
from notifier.handlers.context import Context
from notifier.handlers.handovers import handover_notes
from notifier.handlers.notify import count_published, dispatch
from notifier.handlers.rejections import settle_refusals
from notifier.settings import SCHEMA

CONSUMER = "notifier-deals"
DealStreamEvent = IdleEvent | IdleThresholdsSet | None
"""What the deal consumer yields."""


def active_stages(ctx: Context) -> ActiveStage:
    """The configured active stages, where deals are watched."""
    return ActiveStage({s.code for s in ctx.config.pipeline.stages if not s.is_final})


async def record_deal_events(items: list[Item[DealStreamEvent]], ctx: Context) -> None:
    """Record a batch in one transaction: the thresholds, then the deals' activity, and the
    notices of the deals that changed hands, and the refusals a move settled; wake the
    watcher if a nearer due time came in."""
    events = [item for item in items if item.value is not None]
    if not events:
        return
    async with ctx.uow() as uow:
        fresh = await inbox.claim(uow.conn, SCHEMA, CONSUMER, [i.event_id for i in events])
        activity: list[Sighting | Touch] = []
        updated: list[DealUpdated] = []
        nearest: list[datetime | None] = []
        is_active = active_stages(ctx)
        for item in events:
            if item.event_id not in fresh:
                ctx.metrics.duplicates_skipped.labels(CONSUMER).inc()
            elif isinstance(item.value, IdleThresholdsSet):
                event = item.value
                nearest.append(
                    await repo.replace_thresholds(uow.conn, event.items, event.computed_at)
                )
            elif item.value is not None:
                if isinstance(item.value, DealUpdated):
                    updated.append(item.value)
                found = activity_of(item.value, is_active)
                if found is not None:
                    activity.append(found)
        nearest += await record_activity(uow.conn, activity)
        # a deal that entered a stage settles the refusals of moves to it (domain/refusals.py)
        moved = stages_reached(item.value for item in events if item.event_id in fresh)
        await settle_refusals(uow, moved)
        queued = await dispatch(uow, ctx, await handover_notes(uow.conn, ctx, updated))
        await uow.commit()
    wake(ctx, nearest)
    count_published(ctx, queued)


async def record_activity(
    conn: asyncpg.Connection, activity: list[Sighting | Touch]
) -> list[datetime | None]:
    """Sightings first (they may bring a deal not seen yet), then touches; the nearest due
    times they planned."""
    seen, touches = fold(activity)
    return [await repo.record_sightings(conn, seen), await repo.record_touches(conn, touches)]


def wake(ctx: Context, nearest: list[datetime | None]) -> None:
    """After commit: wake the idle watcher if a due time came in."""
    due = [d for d in nearest if d is not None]
    if due:
        ctx.idle_due_added(min(due))


async def fire_idle(ctx: Context, limit: int) -> int:
    """Fire up to `limit` deals past their due time in one transaction; how many fired.
    The idle mark, DealWentIdle (the boards of all who see the deal: its responsible, every
    РОП) and the responsible's notice commit together: a crash before commit fires again later,
    after commit never (until the deal is worked on and sits again)."""
    async with ctx.uow() as uow:
        fired = await repo.fire_due(uow.conn, limit)
        if not fired:
            return 0
        kept, _ = await repo.thresholds(uow.conn)
        by_stage = {t.stage: t for t in kept}
        names = {u.id: u.name for u in ctx.config.users}
        stage_names = {s.code: s.name for s in ctx.config.stages}
        notes = []
        for row in fired:
            uow.emit(
                DealWentIdle(
                    deal_id=row.deal_id,
                    stage=row.stage,
                    responsible_id=row.responsible_id,
                    idle_since=row.due_at,
                    last_activity_at=row.last_activity_at,
                ),
                subject_id=row.deal_id,
            )
            threshold = by_stage.get(row.stage)
            note = idle_notification(
                row,
                threshold.seconds if threshold else None,
                stage_names.get(row.stage, row.stage),
                names,
                ctx.config.notifications.templates,
                threshold.source if threshold else None,
            )
            if note is not None:
                notes.append(note)
        queued = await dispatch(uow, ctx, notes)
        await uow.commit()
    for row in fired:
        ctx.metrics.deals_gone_idle.labels(row.stage, row.responsible_id or UNASSIGNED).inc()
    count_published(ctx, queued)
    return len(fired)


async def nearest_idle(ctx: Context) -> tuple[datetime | None, datetime]:
    """The earliest due time still to fire, and the database's clock."""
    async with ctx.uow() as uow:
        return await repo.nearest_due(uow.conn)
