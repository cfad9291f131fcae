"""A person's own tasks: set one on a deal, move a task's deadline with a reason."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import AwareDatetime, Field

from gateway.domain.people import Principal, Scope
from gateway.entrypoints.http.deps import context, require, retry_key
from gateway.entrypoints.http.schemas import ERRORS, Body, TaskOut
from gateway.handlers import plans

router = APIRouter(tags=["tasks"], responses=ERRORS)
write = Depends(require(Scope.tasks_write))


class TaskIn(Body):
    """A task a person sets on a deal («перезвонить завтра в 15:00»)."""

    title: str = Field(min_length=1, max_length=500)
    deadline: AwareDatetime = Field(description="RFC 3339 with offset; not in the past")
    description: str | None = Field(None, max_length=2000)


class RescheduleIn(Body):
    """A task's new deadline and why it moves."""

    deadline: AwareDatetime = Field(description="RFC 3339 with offset; not in the past")
    reason: str = Field(min_length=1, max_length=2000)


@router.post(
    "/api/deals/{deal_id}/tasks",
    status_code=201,
    response_model=None,
    responses={201: {"model": TaskOut}},
)
async def create_task(
    request: Request,
    deal_id: str,
    body: TaskIn,
    principal: Principal = write,
    key: str | None = Depends(retry_key),
) -> dict[str, Any]:
    """Set a task on a deal; the caller is its creator (Постановщик). A manager sets tasks
    on the deals they work, for themselves; a РОП on any deal, for its responsible."""
    return await plans.create_task(
        context(request),
        principal,
        deal_id,
        body.title,
        body.deadline,
        body.description,
        retry_key=key,
    )


@router.post(
    "/api/tasks/{task_id}/reschedule", response_model=None, responses={200: {"model": TaskOut}}
)
async def reschedule_task(
    request: Request,
    task_id: str,
    body: RescheduleIn,
    principal: Principal = write,
    key: str | None = Depends(retry_key),
) -> dict[str, Any]:
    """Move a task's deadline with a reason (kept in the task's `reschedules`). A manager
    moves the tasks they set; a stage task's deadline only the РОП moves."""
    return await plans.reschedule_task(
        context(request), principal, task_id, body.deadline, body.reason, retry_key=key
    )
