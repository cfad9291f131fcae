"""Task commands: completing a task by hand, commenting on it."""

from __future__ import annotations

from typing import Any

from crm_shared.contracts.dto import CloseReason
from crm_shared.contracts.envelope import utcnow
from crm_shared.contracts.refusals import ErrorCode, Refused, ok
from crm_shared.contracts.task import CommentTask, CompleteTask, TaskCommented
from task_service.adapters import repository as repo
from task_service.domain.model import check_may_complete, check_may_see
from task_service.domain.planning import Closed
from task_service.handlers import events
from task_service.handlers.context import Context


async def complete_task(cmd: CompleteTask, ctx: Context) -> dict[str, Any]:
    """The responsible or the deal's РОП marks a task done; the deal does not move.

    Completing only closes the task: moving the deal is the manager's own command, and the
    next stage's task comes with that move.
    """
    if ctx.config.user_or_none(cmd.actor_id) is None:
        raise Refused(
            ErrorCode.not_found, f"actor_id: unknown user {cmd.actor_id!r}", reason="user"
        )
    async with ctx.uow() as uow:
        task = await repo.get_task(uow.conn, cmd.task_id, lock=True)
        if task is None:
            raise Refused(ErrorCode.not_found, f"task {cmd.task_id!r} not found", reason="task")
        owner, rop = await repo.deal_people(uow.conn, task.deal_id)
        check_may_complete(
            task,
            cmd.actor_id,
            rop,
            sees_all=ctx.config.sees_all(cmd.actor_id),
            deal_responsible_id=owner,
        )
        task.close(CloseReason.completed, utcnow(), by=cmd.actor_id)
        await repo.update_tasks(uow.conn, [task])
        closed = [Closed(task)]
        events.emit(uow, closed)
        await uow.commit()
    events.count(ctx.metrics, closed)
    return ok(task=task.to_dto().model_dump(mode="json"))


async def comment_task(cmd: CommentTask, ctx: Context) -> dict[str, Any]:
    """Anyone who may see the task comments on it (open or closed): `crm.task.commented`.

    This is where the РОП asks why a task lapsed and the manager answers; the notifier
    tells the other side (see notifier.domain.messages.comment_recipient).
    """
    if ctx.config.user_or_none(cmd.actor_id) is None:
        raise Refused(
            ErrorCode.not_found, f"actor_id: unknown user {cmd.actor_id!r}", reason="user"
        )
    async with ctx.uow() as uow:
        task = await repo.get_task(uow.conn, cmd.task_id, lock=True)
        if task is None:
            raise Refused(ErrorCode.not_found, f"task {cmd.task_id!r} not found", reason="task")
        owner, _ = await repo.deal_people(uow.conn, task.deal_id)
        sees_all = ctx.config.sees_all(cmd.actor_id)
        check_may_see(task, cmd.actor_id, sees_all=sees_all, deal_responsible_id=owner)
        comment = task.comment(cmd.actor_id, cmd.text, utcnow())
        await repo.add_comment(uow.conn, task.id, comment)
        uow.emit(TaskCommented(task=task.to_dto(), comment=comment), subject_id=task.deal_id)
        await uow.commit()
    return ok(task=task.to_dto().model_dump(mode="json"))
