"""Rule 4: a refused move reaches the deal's responsible, with the missing fields named."""

from __future__ import annotations

from crm_shared import inbox
from crm_shared.config import FIELD_DISPLAY_NAMES
from crm_shared.consumer import Item
from crm_shared.events import MoveRejected, Notification
from notifier.domain.messages import move_rejected_notification
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
            event = item.value
            stage = ctx.config.stage_or_none(event.to_stage)
            note = move_rejected_notification(
                event, stage.name if stage else event.to_stage, FIELD_DISPLAY_NAMES
            )
            if note is not None:
                notes.append(note)
        queued = await dispatch(uow, ctx, notes)
        await uow.commit()
    count_published(ctx, queued)
