"""A deal's tasks as entries of its timeline (TaskTimeline, issue 22)."""

from __future__ import annotations

from typing import Any

from crm_shared.config.access import check_owner, scope
from crm_shared.contracts.refusals import ok
from crm_shared.contracts.task import TaskTimeline
from task_service.adapters import deals
from task_service.domain.story import task_story
from task_service.handlers.context import Context


async def task_timeline(q: TaskTimeline, ctx: Context) -> dict[str, Any]:
    """Everything that happened to the deal's tasks, newest first, up to `limit` entries;
    `forbidden` for a manager (access: own) whose deal it is not.

    A deal this service has not heard of yet (its DealCreated still on the way: the card is
    opened the moment the deal is made) has no tasks here, and its story here is empty rather
    than refused: deal-service, which knows the deal, decides who may read it."""
    scope(ctx.config, q.actor_id)  # not_found for an unknown actor, before the query
    async with ctx.uow() as uow:
        # The tasks first: each read sees what was committed when it ran, and a deal's state
        # is committed with (or before) its first task, so tasks read first come with their
        # responsible. The other order could see a DealCreated's task committed between the
        # reads without its responsible, and refuse the deal's own manager.
        tasks = await deals.deal_tasks(uow.conn, q.deal_id)
        responsible = await deals.deal_responsible(uow.conn, q.deal_id)
    if responsible is not None or tasks:
        check_owner(ctx.config, q.actor_id, responsible, f"the tasks of deal {q.deal_id}")
    items = task_story(tasks)
    return ok(deal_id=q.deal_id, items=items[: q.limit], complete=len(items) <= q.limit)
