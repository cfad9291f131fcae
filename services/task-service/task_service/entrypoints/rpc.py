"""Request/reply subjects of task-service, on a FastStream router (a queue group per service)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from faststream.nats import NatsMessage, NatsRouter
from pydantic import BaseModel

from crm_shared.commands import CompleteTask, ListTasks, OverdueTasksQuery
from crm_shared.rpc import answer
from task_service.handlers import queries, tasks
from task_service.handlers.context import Context

QUEUE = "task-service"
Handler = Callable[[Any, Context], Awaitable[dict[str, Any]]]
ROUTES: list[tuple[type[BaseModel], Handler]] = [
    (CompleteTask, tasks.complete_task),
    (ListTasks, queries.list_tasks),
    (OverdueTasksQuery, queries.count_overdue),
]


def build_router(ctx: Context) -> NatsRouter:
    """One subscriber per subject; each parses strictly and always replies."""
    router = NatsRouter()
    for model, handler in ROUTES:
        _route(router, ctx, model, handler)
    return router


def _route(router: NatsRouter, ctx: Context, model: type[BaseModel], handler: Handler) -> None:
    subject: str = model.SUBJECT  # type: ignore[attr-defined]

    async def use_case(request: Any) -> dict[str, Any]:
        return await handler(request, ctx)

    @router.subscriber(subject, queue=QUEUE, title=f"{subject}:task-service")
    async def endpoint(message: NatsMessage) -> dict[str, Any]:
        return await answer(message.body, model, use_case, ctx.metrics, subject)
