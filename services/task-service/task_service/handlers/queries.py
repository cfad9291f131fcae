"""Task queries: list with filters and paging; a task's comments; overdue counts per
responsible.

All in the actor's scope: a user whose role has `access: all` (every РОП) sees every task,
a manager with `own` every task of the deals they hold (the earlier responsibles' closed ones
too); a `responsible_id` naming someone else is refused (`forbidden`) rather than answered
empty.
"""

from __future__ import annotations

from typing import Any

from crm_shared.config.access import narrowed, scope
from crm_shared.contracts.envelope import utcnow
from crm_shared.contracts.periods import parse_moment
from crm_shared.contracts.refusals import ErrorCode, Refused, ok
from crm_shared.contracts.task import ListTasks, OverdueTasksQuery, TaskComments
from task_service.adapters import reads
from task_service.adapters import repository as repo
from task_service.adapters.overdue import overdue_by_responsible
from task_service.domain.model import check_may_see
from task_service.handlers.context import Context


async def list_tasks(q: ListTasks, ctx: Context) -> dict[str, Any]:
    """Tasks newest first, by deal, responsible, status and overdue (open, past deadline)."""
    narrowed(ctx.config, q.actor_id, q.responsible_id, of="tasks")  # forbidden: another's
    try:
        async with ctx.uow() as uow:
            tasks, cursor = await reads.list_tasks(
                uow.conn,
                deal_owner=scope(ctx.config, q.actor_id),
                deal_id=q.deal_id,
                deal_ids=q.deal_ids,
                responsible_id=q.responsible_id,
                status=q.status,
                overdue=q.overdue,
                id_prefix=q.id_prefix,
                now=utcnow(),
                limit=q.limit,
                cursor=q.cursor,
            )
    except ValueError as exc:
        raise Refused(ErrorCode.invalid, str(exc)) from None
    return ok(items=[t.to_dto().model_dump(mode="json") for t in tasks], next_cursor=cursor)


async def task_comments(q: TaskComments, ctx: Context) -> dict[str, Any]:
    """Every comment on a task the actor may see, oldest first, a page at a time (the task's
    payload carries only the latest)."""
    sees_all = scope(ctx.config, q.actor_id) is None  # not_found for an unknown actor
    try:
        start = reads.decode_cursor(q.cursor, "comment") if q.cursor else 0
    except ValueError as exc:
        raise Refused(ErrorCode.invalid, str(exc)) from None
    async with ctx.uow() as uow:
        task = await repo.get_task(uow.conn, q.task_id)
        owner = (await repo.deal_people(uow.conn, task.deal_id))[0] if task else None
    if task is None:
        raise Refused(ErrorCode.not_found, f"task {q.task_id!r} not found", reason="task")
    check_may_see(task, q.actor_id, sees_all=sees_all, deal_responsible_id=owner)
    end = start + q.limit
    page = task.comments[start:end]
    more = end < len(task.comments)
    return ok(
        items=[c.model_dump(mode="json") for c in page],
        total=len(task.comments),
        next_cursor=reads.encode_cursor(end, "comment") if more else None,
    )


async def count_overdue(q: OverdueTasksQuery, ctx: Context) -> dict[str, Any]:
    """Per responsible, tasks that are or were overdue (deadline before close, or before now);
    a manager with `access: own` gets only their own row."""
    responsible_id = scope(ctx.config, q.actor_id)
    start = parse_moment(q.from_) if q.from_ else None
    end = parse_moment(q.to) if q.to else None
    async with ctx.uow() as uow:
        counts = await overdue_by_responsible(uow.conn, start, end, utcnow(), responsible_id)
    items = [
        {
            "responsible_id": c.responsible_id,
            "overdue": c.overdue,
            "open": c.still_open,
            "tasks": c.tasks,
        }
        for c in counts
    ]
    return ok(items=items, total=sum(c.overdue for c in counts))
