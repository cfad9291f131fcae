"""The РОП answered a request to move a deal (rule 6): whoever asked learns that it was
declined and why (`approval_declined`), or agreed (`approval_granted`), once per event."""

from __future__ import annotations

from crm_shared.contracts.deal import ApprovalDeclined, ApprovalGranted
from crm_shared.contracts.notify import Notification
from crm_shared.machinery import inbox
from crm_shared.machinery.consumer import Item
from notifier.domain.messages import UNKNOWN_STAGE, approval_answer_notification
from notifier.handlers.context import Context
from notifier.handlers.notify import count_published, dispatch
from notifier.settings import SCHEMA

CONSUMER = "notifier-approval-declined"
GRANTED = "notifier-approval-granted"
"""The durable consumers (and inbox names) of the two answers."""


async def notify_answers(
    items: list[Item[ApprovalDeclined]] | list[Item[ApprovalGranted]],
    ctx: Context,
    consumer: str,
) -> None:
    """Tell each request's asker the РОП's answer, in one transaction."""
    config = ctx.config
    names = {user.id: user.name for user in config.users}
    async with ctx.uow() as uow:
        fresh = await inbox.claim(uow.conn, SCHEMA, consumer, [i.event_id for i in items])
        notes: list[Notification] = []
        for item in items:
            if item.event_id not in fresh:
                ctx.metrics.duplicates_skipped.labels(consumer).inc()
                continue
            stage = config.stage_or_none(item.value.to_stage)
            notes.append(
                approval_answer_notification(
                    item.value,
                    stage.name if stage else UNKNOWN_STAGE,
                    names,
                    config.notifications.templates,
                )
            )
        queued = await dispatch(uow, ctx, notes)
        await uow.commit()
    count_published(ctx, queued)
