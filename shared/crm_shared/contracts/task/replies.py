"""What task-service's commands and queries answer when they succeed."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from crm_shared.contracts.base import Answer
from crm_shared.contracts.dto import Task, TaskComment
from crm_shared.contracts.text import Plain


class TaskReply(Answer):
    """A task as it is now."""

    task: Task


class TaskPage(Answer):
    """A page of tasks; `next_cursor` asks for the next one."""

    items: list[Task]
    next_cursor: Plain | None = None


class TaskCommentsReply(Answer):
    """A page of a task's comments, oldest first, and how many it has."""

    items: list[TaskComment]
    total: int
    next_cursor: Plain | None = None


class OverdueRow(Answer):
    """One responsible's overdue tasks: how many, how many still open, the latest of them."""

    responsible_id: Plain | None = None
    overdue: int
    open: int
    tasks: list[dict[str, Any]] = Field(default_factory=list)


class OverdueReply(Answer):
    """Per responsible, and the total."""

    items: list[OverdueRow]
    total: int


class TaskTimelineReply(Answer):
    """A deal's task story, newest first; `complete` false when `limit` cut it."""

    deal_id: Plain
    items: list[dict[str, Any]]
    complete: bool = True
