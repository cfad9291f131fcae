"""A person's own tasks through the gateway (issue 22): set on a deal, deadline moved."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from crm_shared.contracts.task import CreateTask, RescheduleTask
from gateway.domain.people import Principal
from gateway.handlers.api import ask_as
from gateway.handlers.context import Context


async def create_task(
    ctx: Context,
    principal: Principal,
    deal_id: str,
    title: str,
    deadline: datetime,
    description: str | None = None,
    *,
    retry_key: str | None = None,
) -> dict[str, Any]:
    """Set a task on a deal; the caller is its creator."""
    body = {
        "deal_id": deal_id,
        "title": title,
        "deadline": deadline.isoformat(),
        "description": description,
    }
    return await ask_as(ctx, principal, CreateTask, body, retry_key=retry_key)


async def reschedule_task(
    ctx: Context,
    principal: Principal,
    task_id: str,
    deadline: datetime,
    reason: str,
    *,
    retry_key: str | None = None,
) -> dict[str, Any]:
    """Move a task's deadline, saying why."""
    body = {"task_id": task_id, "deadline": deadline.isoformat(), "reason": reason}
    return await ask_as(ctx, principal, RescheduleTask, body, retry_key=retry_key)
