"""Rule 3: a task past its deadline is reported once, to its creator (the РОП)."""

from __future__ import annotations

from datetime import datetime

from crm_shared.contracts.notify import Notification
from crm_shared.contracts.task import TaskOverdue
from notifier.adapters import deadlines as repo
from notifier.adapters.metrics import UNASSIGNED
from notifier.domain.messages import overdue_notification, overdue_recipient
from notifier.handlers.context import Context
from notifier.handlers.notify import count_published, dispatch


async def fire_overdue(ctx: Context, limit: int) -> int:
    """Fire up to `limit` passed deadlines in one transaction; returns how many fired.

    Marking the task fired, TaskOverdue and the notifications commit together: a crash
    before commit fires it again later, after commit never.
    """
    async with ctx.uow() as uow:
        fired = await repo.fire_due(uow.conn, limit)
        notes: list[Notification] = []
        for overdue in fired:
            task = overdue.task
            uow.emit(
                TaskOverdue(task=task, overdue_seconds=round(overdue.overdue_seconds, 3)),
                subject_id=task.deal_id,
            )
            recipient = overdue_recipient(task, ctx.config.default_rop)
            if recipient is None:
                continue  # free plan, no РОП anywhere: TaskOverdue alone tells the world
            responsible = ctx.config.user_or_none(task.responsible_id or "")
            notes.append(
                overdue_notification(
                    task,
                    overdue.overdue_seconds,
                    recipient,
                    responsible.name if responsible else None,
                    ctx.config.notifications.templates,
                    ctx.config.zone,
                )
            )
        queued = await dispatch(uow, ctx, notes)
        await uow.commit()
    for overdue in fired:
        ctx.metrics.overdue_lag.observe(overdue.overdue_seconds)
        ctx.metrics.tasks_overdue.labels(overdue.task.responsible_id or UNASSIGNED).inc()
    ctx.metrics.overdue_fired.inc(len(fired))
    count_published(ctx, queued)
    return len(fired)


async def nearest_deadline(ctx: Context) -> tuple[datetime | None, datetime]:
    """The earliest deadline still to fire, and the database's clock."""
    async with ctx.uow() as uow:
        return await repo.nearest_deadline(uow.conn)
