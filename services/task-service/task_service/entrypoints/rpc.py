"""Request/reply subjects of task-service and the events it emits, on its FastStream router.

The router the service runs is the one the AsyncAPI document describes (`tools.crm_api`).
"""

from __future__ import annotations

from crm_shared.contracts.task import (
    CommentTask,
    CompleteTask,
    CreateTask,
    ListTasks,
    OverdueTasksQuery,
    RescheduleTask,
    TaskClosed,
    TaskCommented,
    TaskComments,
    TaskOpened,
    TaskTimeline,
    TaskUpdated,
)
from crm_shared.machinery.rpc import Endpoints
from task_service.entrypoints.consumers import DEAL_EVENTS, STREAM
from task_service.handlers import own_tasks, queries, story, tasks
from task_service.handlers.context import Context
from task_service.handlers.deal_events import CONSUMER

SERVICE = "task-service"


def endpoints() -> Endpoints[Context]:
    """One subscriber per subject in the service's queue group; each always replies."""
    api = Endpoints[Context](SERVICE)
    api.serve(CompleteTask, tasks.complete_task, reply="task")
    api.serve(CommentTask, tasks.comment_task, reply="task")
    api.serve(CreateTask, own_tasks.create_task, reply="task")
    api.serve(RescheduleTask, own_tasks.reschedule_task, reply="task")
    api.serve(ListTasks, queries.list_tasks, reply="items, next_cursor")
    api.serve(TaskComments, queries.task_comments, reply="items, total, next_cursor")
    api.serve(OverdueTasksQuery, queries.count_overdue, reply="items, total")
    api.serve(TaskTimeline, story.task_timeline, reply="items, complete")
    api.emit(TaskOpened, "A task was opened.")
    api.emit(TaskUpdated, "An open task changed hands or deadline.")
    api.emit(TaskClosed, "A task was closed (completed, stage_left, ...).")
    api.emit(TaskCommented, "Someone commented on a task.")
    api.receive(DEAL_EVENTS.values(), stream=STREAM, durable=CONSUMER)
    return api
