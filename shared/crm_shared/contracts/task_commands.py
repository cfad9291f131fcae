"""Request bodies of task-service that `commands` (at its size limit) does not hold."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from crm_shared.contracts.commands import Query
from crm_shared.contracts.text import Cursor, Id


class TaskComments(Query):
    """crm.query.task.comments: every comment on a task the actor may see, oldest first.

    A task's payload carries only its latest comments (with `comments_count`); this is how
    the older ones are read, page by page (`next_cursor`, opaque).
    """

    SUBJECT: ClassVar[str] = "crm.query.task.comments"
    task_id: Id
    limit: int = Field(100, ge=1, le=500)
    cursor: Cursor | None = None
