"""Request bodies of task-service beyond completing and listing tasks (in `commands`):
comments on a task, added and read back."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from crm_shared.contracts.commands import Command, Query
from crm_shared.contracts.replies import Asks, TaskCommentsReply, TaskReply
from crm_shared.contracts.text import Cursor, Id, Subject


class TaskComments(Query, Asks[TaskCommentsReply]):
    """crm.query.task.comments: every comment on a task the actor may see, oldest first.

    A task's payload carries only its latest comments (with `comments_count`); this is how
    the older ones are read, page by page (`next_cursor`, opaque).
    """

    SUBJECT: ClassVar[str] = "crm.query.task.comments"
    task_id: Id
    limit: int = Field(100, ge=1, le=500)
    cursor: Cursor | None = None


class CommentTask(Command, Asks[TaskReply]):
    """crm.cmd.task.comment: add a comment to a task the actor may see."""

    SUBJECT: ClassVar[str] = "crm.cmd.task.comment"
    task_id: Id
    text: Subject = Field(min_length=1)
