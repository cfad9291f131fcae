"""A deal's tasks as entries of its timeline (TaskTimeline, issue 22)."""

from __future__ import annotations

from typing import Any

from crm_shared.contracts.commands import ErrorCode, Refused, ok
from crm_shared.contracts.story import TaskTimeline
from task_service.adapters import deals
from task_service.domain.story import task_story
from task_service.handlers.context import Context


async def task_timeline(q: TaskTimeline, ctx: Context) -> dict[str, Any]:
    """Everything that happened to the deal's tasks, newest first, up to `limit` entries;
    `forbidden` for a manager (access: own) whose deal it is not."""
    if ctx.config.user_or_none(q.actor_id) is None:
        raise Refused(ErrorCode.not_found, f"actor_id: unknown user {q.actor_id!r}")
    async with ctx.uow() as uow:
        responsible = await deals.deal_responsible(uow.conn, q.deal_id)
        if not ctx.config.sees_all(q.actor_id) and responsible != q.actor_id:
            raise Refused(
                ErrorCode.forbidden,
                f"{q.actor_id!r} may not see the tasks of deal {q.deal_id} (access: own)",
            )
        tasks = await deals.deal_tasks(uow.conn, q.deal_id)
    items = task_story(tasks)
    return ok(deal_id=q.deal_id, items=items[: q.limit], complete=len(items) <= q.limit)
