"""Request/reply subjects of task-service, on a FastStream router (a queue group per service)."""

from __future__ import annotations

from faststream.nats import NatsRouter

from crm_shared.commands import CommentTask, CompleteTask, ListTasks, OverdueTasksQuery
from crm_shared.rpc import Route
from crm_shared.rpc import build_router as build_routes
from task_service.handlers import queries, tasks
from task_service.handlers.context import Context

QUEUE = "task-service"
ROUTES: list[Route] = [
    (CompleteTask, tasks.complete_task),
    (CommentTask, tasks.comment_task),
    (ListTasks, queries.list_tasks),
    (OverdueTasksQuery, queries.count_overdue),
]


def build_router(ctx: Context) -> NatsRouter:
    """One subscriber per subject; each parses strictly and always replies."""
    return build_routes(ROUTES, ctx, queue=QUEUE, metrics=ctx.metrics)
