"""Refused moves: the responsible learns why (rule 4); a move that needs the РОП's agreement
asks the deal's РОП, else the default РОП, else every РОП (rule 6, `approval_requested`)."""

from __future__ import annotations

from crm_shared.config import FIELD_DISPLAY_NAMES
from crm_shared.contracts.deal import MoveRejected
from crm_shared.contracts.envelope import new_id
from crm_shared.contracts.notify import Notification
from crm_shared.contracts.refusals import ErrorCode
from crm_shared.machinery import inbox
from crm_shared.machinery.consumer import Item
from crm_shared.machinery.outbox import UnitOfWork
from notifier.adapters import inbox as inbox_repo
from notifier.domain.messages import (
    UNKNOWN_STAGE,
    approval_recipients,
    approval_requested_notifications,
    move_rejected_notification,
)
from notifier.domain.refusals import Reached, Refusal, refusals_of
from notifier.handlers.context import Context
from notifier.handlers.notify import count_published, dispatch, emit_read
from notifier.settings import SCHEMA

CONSUMER = "notifier-move-rejected"


async def notify_move_rejections(items: list[Item[MoveRejected]], ctx: Context) -> None:
    """Notify the responsible of each refused move, once per event, in one transaction; a
    refusal whose deal is known to have entered the refused stage since (its move handled
    first by the deal consumer) is kept read (domain/refusals.py)."""
    async with ctx.uow() as uow:
        ids = [i.event_id for i in items]
        fresh = await inbox.claim(uow.conn, SCHEMA, CONSUMER, ids)
        notes: list[Notification] = []
        refusals: dict[str, Refusal] = {}
        for item in items:
            if item.event_id not in fresh:
                ctx.metrics.duplicates_skipped.labels(CONSUMER).inc()
                continue
            made = _notifications(item.value, ctx)
            for note in made:
                note.id = note.id or new_id()
            refusals |= refusals_of(item.value, made)
            notes += made
        settled = await inbox_repo.settled_already(uow.conn, refusals)
        queued = await dispatch(uow, ctx, notes, stages=refusals, read=settled)
        await uow.commit()
    count_published(ctx, queued)


async def settle_refusals(uow: UnitOfWork, reached: list[Reached]) -> None:
    """In the deal consumer's transaction: the deals entered these stages, so their notices
    refused for them are read, and their recipients' live feeds are told (the badge)."""
    emit_read(uow, await inbox_repo.read_refusals(uow.conn, reached), "settled")


def _notifications(event: MoveRejected, ctx: Context) -> list[Notification]:
    config = ctx.config
    templates = config.notifications.templates
    names = {user.id: user.name for user in config.users}
    stage = config.stage_or_none(event.to_stage)
    stage_name = stage.name if stage else None  # an unknown code is not repeated to anyone
    if event.error.code != ErrorCode.rop_approval_required:
        stages = {st.code: st.name for st in config.stages}
        note = move_rejected_notification(
            event, stage_name, FIELD_DISPLAY_NAMES, templates, names, stages
        )
        return [note] if note is not None else []
    current = config.stage_or_none(event.from_stage or "")
    recipients = approval_recipients(
        event.deal.rop_id if event.deal is not None else None,
        config.default_rop,
        [user.id for user in config.users if user.role == "rop"],
    )
    return approval_requested_notifications(
        event,
        stage_name or UNKNOWN_STAGE,
        current.name if current else "текущей",
        recipients,
        names,
        templates,
        config.zone,
    )
