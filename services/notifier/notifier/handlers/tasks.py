"""Keeping the watched deadlines in step with TaskOpened, TaskUpdated and TaskClosed;
telling the other side of an overdue task about a comment (TaskCommented)."""

from __future__ import annotations

from crm_shared.contracts.dto import Task, TaskStatus
from crm_shared.contracts.notify import Notification
from crm_shared.contracts.task import TaskClosed, TaskCommented, TaskOpened, TaskUpdated
from crm_shared.machinery import inbox
from crm_shared.machinery.consumer import Item
from notifier.adapters import deadlines as repo
from notifier.adapters import erasure
from notifier.domain.idle import task_done
from notifier.domain.messages import (
    assigned_notification,
    comment_notification,
    comment_recipient,
)
from notifier.handlers.context import Context
from notifier.handlers.idle import record_activity, wake
from notifier.handlers.notify import count_published, dispatch
from notifier.settings import SCHEMA

CONSUMER = "notifier-tasks"
TaskEvent = TaskOpened | TaskUpdated | TaskClosed | TaskCommented | None
"""What the task consumer yields: None for task events the notifier does not watch."""


async def record_task_events(items: list[Item[TaskEvent]], ctx: Context) -> None:
    """Record a batch in one transaction; wake the watcher if a nearer deadline came in.

    Closing wins over opening and updating whatever the order of arrival: the closed row
    stays as a tombstone, and a late TaskOpened or TaskUpdated for it changes nothing. A task
    recorded for the first time here reaches its responsible (task_assigned): once per task,
    as its deadline row is written once.
    """
    events = [item for item in items if item.value is not None]
    if not events:
        return
    # One entry per task and kind (the last wins); the kinds are applied opened, updated,
    # closed, which gives the same end state as applying the events one by one.
    by_kind: dict[type, dict[str, Task]] = {TaskOpened: {}, TaskUpdated: {}, TaskClosed: {}}
    comments: list[TaskCommented] = []
    erased: list[Task] = []
    only_opened = all(isinstance(item.value, TaskOpened) for item in events)
    dumped: dict[int, str] = {}  # each task's JSON once: its deadline row, its notice's row
    async with ctx.uow() as uow:
        if only_opened:
            # The usual batch (new leads' tasks): claim and record in one statement.
            opened = [(i.event_id, i.value.task) for i in events if i.value is not None]
            fresh, new = await repo.claim_and_record_opened(uow.conn, CONSUMER, opened, dumped)
        else:
            fresh = await inbox.claim(uow.conn, SCHEMA, CONSUMER, [i.event_id for i in events])
        for item in events:
            if item.event_id not in fresh:
                ctx.metrics.duplicates_skipped.labels(CONSUMER).inc()
            elif isinstance(item.value, TaskCommented):
                comments.append(item.value)
            elif isinstance(item.value, TaskUpdated) and item.value.erased:
                erased.append(item.value.task)
                by_kind[TaskUpdated][item.value.task.id] = item.value.task
            elif item.value is not None:
                by_kind[type(item.value)][item.value.task.id] = item.value.task
        if not only_opened:
            new = await repo.record_opened(uow.conn, list(by_kind[TaskOpened].values()), dumped)
            await repo.record_updated(uow.conn, list(by_kind[TaskUpdated].values()))
            await repo.record_closed(uow.conn, list(by_kind[TaskClosed].values()))
        # In the order they came; a task closed in the same batch is news to nobody.
        closed = by_kind[TaskClosed]
        assigned = [t for t in by_kind[TaskOpened].values() if t.id in new and t.id not in closed]
        if erased:  # a contact erased: its name gone from every copy of the deal's
            await erasure.erase_copies(uow.conn, erased)
        # A task done is activity on its deal (the idle watch): a new due time for the deal.
        done = [task_done(t) for t in closed.values()]
        idle_due = await record_activity(uow.conn, [d for d in done if d is not None])
        notes = [*_assigned_notes(ctx, assigned), *_comment_notes(ctx, comments)]
        queued = await dispatch(uow, ctx, notes, dumped)
        await uow.commit()
    _wake(ctx, by_kind)
    wake(ctx, idle_due)
    count_published(ctx, queued)


def _assigned_notes(ctx: Context, tasks: list[Task]) -> list[Notification]:
    templates = ctx.config.notifications.templates
    notes = [
        assigned_notification(t, templates, _name(ctx, t.responsible_id), ctx.config.zone)
        for t in tasks
        # A task a person set for themselves is news to nobody.
        if t.status == TaskStatus.open
        and not (t.kind == "own" and t.creator_id == t.responsible_id)
    ]
    return [n for n in notes if n is not None]


def _name(ctx: Context, user_id: str | None) -> str | None:
    user = ctx.config.user_or_none(user_id) if user_id else None
    return user.name if user else None


def _comment_notes(ctx: Context, comments: list[TaskCommented]) -> list[Notification]:
    notes = []
    for event in comments:
        recipient = comment_recipient(event.task, event.comment, ctx.config.default_rop)
        if recipient is not None:
            notes.append(
                comment_notification(
                    event.task,
                    event.comment,
                    recipient,
                    _name(ctx, event.comment.author_id),
                    ctx.config.notifications.templates,
                    _name(ctx, event.task.responsible_id),
                    ctx.config.zone,
                )
            )
    return notes


def _wake(ctx: Context, by_kind: dict[type, dict[str, Task]]) -> None:
    """Wake the watcher if an open task with a deadline came in."""
    closed = by_kind[TaskClosed]
    deadlines = [
        t.deadline
        for kind in (TaskOpened, TaskUpdated)
        for t in by_kind[kind].values()
        if t.deadline is not None and t.status == TaskStatus.open and t.id not in closed
    ]
    if deadlines:
        ctx.deadline_added(min(deadlines))
