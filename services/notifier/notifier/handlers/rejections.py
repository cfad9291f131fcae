"""Refused moves: the responsible learns why (rule 4); a move that needs the РОП's agreement
asks the deal's РОП (rule 6, `approval_requested`)."""

from __future__ import annotations

from crm_shared import inbox
from crm_shared.commands import ErrorCode
from crm_shared.config import FIELD_DISPLAY_NAMES
from crm_shared.consumer import Item
from crm_shared.events import MoveRejected, Notification
from notifier.domain.messages import approval_requested_notification, move_rejected_notification
from notifier.handlers.context import Context
from notifier.handlers.notify import count_published, dispatch
from notifier.settings import SCHEMA

CONSUMER = "notifier-move-rejected"


async def notify_move_rejections(items: list[Item[MoveRejected]], ctx: Context) -> None:
    """Notify the responsible of each refused move, once per event, in one transaction."""
    async with ctx.uow() as uow:
        ids = [i.event_id for i in items]
        fresh = await inbox.claim(uow.conn, SCHEMA, CONSUMER, ids)
        notes: list[Notification] = []
        for item in items:
            if item.event_id not in fresh:
                ctx.metrics.duplicates_skipped.labels(CONSUMER).inc()
                continue
            note = _notification(item.value, ctx)
            if note is not None:
                notes.append(note)
        queued = await dispatch(uow, ctx, notes)
        await uow.commit()
    count_published(ctx, queued)


def _notification(event: MoveRejected, ctx: Context) -> Notification | None:
    config = ctx.config
    # An unknown stage code is the caller's text: it is not repeated to anyone.
    stage = config.stage_or_none(event.to_stage)
    stage_name = stage.name if stage else "(нет такой стадии)"
    if event.error.code != ErrorCode.rop_approval_required:
        return move_rejected_notification(event, stage_name, FIELD_DISPLAY_NAMES)
    current = config.stage_or_none(event.from_stage or "")
    rop = event.deal.rop_id if event.deal is not None else None
    names = {user.id: user.name for user in config.users}
    return approval_requested_notification(
        event,
        stage_name,
        current.name if current else "текущей",
        rop or config.default_rop,
        names,
    )
