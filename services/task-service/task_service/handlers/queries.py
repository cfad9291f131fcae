"""Task queries: list with filters and paging; overdue counts per responsible.

Both in the actor's scope: a user whose role has `access: all` (every РОП) sees every task,
a manager with `own` the tasks whose responsible they are; a `responsible_id` naming someone
else is refused (`forbidden`) rather than answered empty.
"""

from __future__ import annotations

from typing import Any

from crm_shared.contracts.commands import ErrorCode, ListTasks, OverdueTasksQuery, Refused, ok
from crm_shared.contracts.envelope import utcnow
from crm_shared.contracts.periods import parse_moment
from task_service.adapters import reads
from task_service.adapters.overdue import overdue_by_responsible
from task_service.handlers.context import Context


def _scope(ctx: Context, actor_id: str, responsible_id: str | None) -> str | None:
    """The responsible the answer is narrowed to (None: everyone's), or a refusal."""
    if ctx.config.user_or_none(actor_id) is None:
        raise Refused(ErrorCode.not_found, f"actor_id: unknown user {actor_id!r}")
    if ctx.config.sees_all(actor_id):
        return responsible_id
    if responsible_id is not None and responsible_id != actor_id:
        raise Refused(
            ErrorCode.forbidden,
            f"{actor_id!r} sees only their own tasks (access: own), not those of "
            f"{responsible_id!r}",
        )
    return actor_id


async def list_tasks(q: ListTasks, ctx: Context) -> dict[str, Any]:
    """Tasks newest first, by deal, responsible, status and overdue (open, past deadline)."""
    responsible_id = _scope(ctx, q.actor_id, q.responsible_id)
    try:
        async with ctx.uow() as uow:
            tasks, cursor = await reads.list_tasks(
                uow.conn,
                deal_id=q.deal_id,
                deal_ids=q.deal_ids,
                responsible_id=responsible_id,
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
    """Per responsible, tasks that are or were overdue (deadline before close, or before now);
    a manager with `access: own` gets only their own row."""
    responsible_id = _scope(ctx, q.actor_id, None)
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
