"""Task queries: list with filters and paging."""

from __future__ import annotations

from typing import Any

from crm_shared.commands import ErrorCode, ListTasks, Refused, ok
from crm_shared.envelope import utcnow
from task_service.adapters import repository as repo
from task_service.handlers.context import Context


async def list_tasks(q: ListTasks, ctx: Context) -> dict[str, Any]:
    """Tasks newest first, by deal, responsible, status and overdue (open, past deadline)."""
    try:
        async with ctx.uow() as uow:
            tasks, cursor = await repo.list_tasks(
                uow.conn,
                deal_id=q.deal_id,
                responsible_id=q.responsible_id,
                status=q.status,
                overdue=q.overdue,
                now=utcnow(),
                limit=q.limit,
                cursor=q.cursor,
            )
    except ValueError as exc:
        raise Refused(ErrorCode.invalid, str(exc)) from None
    return ok(items=[t.to_dto().model_dump(mode="json") for t in tasks], next_cursor=cursor)
