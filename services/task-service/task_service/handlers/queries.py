"""Task queries: list with filters and paging; overdue counts per responsible."""

from __future__ import annotations

from typing import Any

from crm_shared.commands import ErrorCode, ListTasks, OverdueTasksQuery, Refused, ok
from crm_shared.envelope import utcnow
from crm_shared.periods import parse_moment
from task_service.adapters import repository as repo
from task_service.adapters.overdue import overdue_by_responsible
from task_service.handlers.context import Context


async def list_tasks(q: ListTasks, ctx: Context) -> dict[str, Any]:
    """Tasks newest first, by deal, responsible, status and overdue (open, past deadline)."""
    try:
        async with ctx.uow() as uow:
            tasks, cursor = await repo.list_tasks(
                uow.conn,
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


async def count_overdue(q: OverdueTasksQuery, ctx: Context) -> dict[str, Any]:
    """Per responsible, tasks that are or were overdue (deadline before close, or before now)."""
    start = parse_moment(q.from_) if q.from_ else None
    end = parse_moment(q.to) if q.to else None
    async with ctx.uow() as uow:
        counts = await overdue_by_responsible(uow.conn, start, end, utcnow())
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
