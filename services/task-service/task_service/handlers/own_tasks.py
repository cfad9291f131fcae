"""A person's own tasks (issue 22): set on a deal, and their deadline moved with a reason.

Both publish what the notifier's watcher keeps in step with (TaskOpened; TaskUpdated with
`deadline` in `changed`), so an own task's lapse reaches the deal's РОП like a stage task's.
"""

from __future__ import annotations

from typing import Any

from crm_shared.contracts.envelope import utcnow
from crm_shared.contracts.refusals import ErrorCode, Refused, ok
from crm_shared.contracts.task import CreateTask, RescheduleTask
from task_service.adapters import deals
from task_service.adapters import repository as repo
from task_service.domain import own
from task_service.domain.model import check_may_see
from task_service.domain.planning import Opened, Reassigned
from task_service.handlers import events
from task_service.handlers.context import Context


def _is_rop(ctx: Context, actor_id: str) -> bool:
    user = ctx.config.user_or_none(actor_id)
    if user is None:
        raise Refused(ErrorCode.not_found, f"actor_id: unknown user {actor_id!r}")
    return user.role == "rop"


async def create_task(cmd: CreateTask, ctx: Context) -> dict[str, Any]:
    """Set a task on a deal: the actor is its creator (see `own.own_task` for who may)."""
    is_rop = _is_rop(ctx, cmd.actor_id)
    async with ctx.uow() as uow:
        state = await deals.deal_state(uow.conn, cmd.deal_id)
        task = own.own_task(
            state,
            actor_id=cmd.actor_id,
            is_rop=is_rop,
            sees_all=ctx.config.sees_all(cmd.actor_id),
            title=cmd.title,
            deadline=cmd.deadline,
            description=cmd.description,
            now=utcnow(),
            names=await deals.deal_names(uow.conn, cmd.deal_id),
        )
        repo.insert_tasks(uow, [task])
        opened = [Opened(task)]
        events.emit(uow, opened)
        await uow.commit()
    events.count(ctx.metrics, opened)
    return ok(task=task.to_dto().model_dump(mode="json"))


async def reschedule_task(cmd: RescheduleTask, ctx: Context) -> dict[str, Any]:
    """Move an open task's deadline with a reason (see `own.reschedule` for who may)."""
    is_rop = _is_rop(ctx, cmd.actor_id)
    async with ctx.uow() as uow:
        task = await repo.get_task(uow.conn, cmd.task_id, lock=True)
        if task is None:
            raise Refused(ErrorCode.not_found, f"task {cmd.task_id!r} not found")
        check_may_see(task, cmd.actor_id, sees_all=ctx.config.sees_all(cmd.actor_id))
        own.reschedule(
            task,
            actor_id=cmd.actor_id,
            is_rop=is_rop,
            deadline=cmd.deadline,
            reason=cmd.reason,
            now=utcnow(),
        )
        await repo.reschedule(uow.conn, task)
        events.emit(uow, [Reassigned(task, ("deadline",))])
        await uow.commit()
    return ok(task=task.to_dto().model_dump(mode="json"))
