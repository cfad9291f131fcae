"""task-service's queries: a page of tasks, a task's comments, a deal's task story, and the
overdue tasks per responsible."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from crm_shared.contracts.base import ID_PREFIX, Asks, Query, Windowed
from crm_shared.contracts.periods import Moment
from crm_shared.contracts.task.replies import (
    OverdueReply,
    TaskCommentsReply,
    TaskPage,
    TaskTimelineReply,
)
from crm_shared.contracts.text import Cursor, Id


class ListTasks(Query, Asks[TaskPage]):
    """crm.query.task.list."""

    SUBJECT: ClassVar[str] = "crm.query.task.list"
    deal_id: Id | None = None
    deal_ids: list[Id] | None = Field(
        None, max_length=500, description="the tasks of any of these deals (a board's cards)"
    )
    responsible_id: Id | None = None
    status: str | None = Field(None, pattern="^(open|closed)$")
    overdue: bool | None = None
    id_prefix: str | None = Field(None, pattern=ID_PREFIX)
    limit: int = Field(50, ge=1, le=500)
    cursor: Cursor | None = None


class TaskComments(Query, Asks[TaskCommentsReply]):
    """crm.query.task.comments: every comment on a task the actor may see, oldest first.

    A task's payload carries only its latest comments (with `comments_count`); this is how
    the older ones are read, page by page (`next_cursor`, opaque).
    """

    SUBJECT: ClassVar[str] = "crm.query.task.comments"
    task_id: Id
    limit: int = Field(100, ge=1, le=500)
    cursor: Cursor | None = None


class TaskTimeline(Query, Asks[TaskTimelineReply]):
    """crm.query.task.timeline: what happened to a deal's tasks, newest first: each task
    opened, rescheduled (from, to, reason), commented and closed (the reason), with `at`,
    `kind` (task_opened, task_rescheduled, task_commented, task_closed), `actor_id` where
    known and `task_id`, `title`. A deal has few tasks: the whole story in one answer, up
    to `limit` items."""

    SUBJECT: ClassVar[str] = "crm.query.task.timeline"
    deal_id: Id
    limit: int = Field(1000, ge=1, le=5000)


class OverdueTasksQuery(Windowed, Asks[OverdueReply]):
    """crm.query.task.overdue_by_responsible: per responsible, the tasks that are or were overdue.

    A task counts when its deadline passed before it was closed (or, while open, before
    now); with `from` / `to`, only tasks whose deadline falls in [from, to).
    """

    SUBJECT: ClassVar[str] = "crm.query.task.overdue_by_responsible"
    from_: Moment | None = Field(None, alias="from")
    to: Moment | None = None
