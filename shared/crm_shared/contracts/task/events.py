"""task-service's events, with the schemas of their `data` (SPEC §5; `SUBJECT` and `TYPE`
as in the deal's events)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from crm_shared.contracts.base import EventData
from crm_shared.contracts.dto import Task, TaskComment
from crm_shared.contracts.text import Plain


class TaskOpened(EventData):
    """A task was opened for a deal."""

    SUBJECT: ClassVar[str] = "crm.task.opened"
    TYPE: ClassVar[str] = "crm.task.opened.v1"
    task: Task


class TaskClosed(EventData):
    """A task was closed; `task.close_reason` says why, and `task.closed_by` who completed
    it (null when the system closed it: the deal moved on or closed, the РОП was set)."""

    SUBJECT: ClassVar[str] = "crm.task.closed"
    TYPE: ClassVar[str] = "crm.task.closed.v1"
    task: Task


class TaskUpdated(EventData):
    """An open task changed hands: the deal got a new responsible, or a new РОП (the creator);
    or the deal's title or contact's name changed (a task made by the templates then has the
    new name in its title and description as well; a person's own task keeps its words).

    `changed` names the fields ("responsible_id", "creator_id", "deal_title",
    "contact_name"); `task` is the whole task after the change, so a consumer that tracks
    deadlines can simply replace its copy.
    """

    SUBJECT: ClassVar[str] = "crm.task.updated"
    TYPE: ClassVar[str] = "crm.task.updated.v1"
    task: Task
    changed: list[Plain]
    erased: bool = Field(
        False,
        description="the deal's contact was erased: sent for every task of the deal, closed "
        "ones too; a consumer replaces its copies of the contact's name and the deal's title",
    )


class TaskOverdue(EventData):
    """An open task passed its deadline (emitted once per task)."""

    SUBJECT: ClassVar[str] = "crm.task.overdue"
    TYPE: ClassVar[str] = "crm.task.overdue.v1"
    task: Task
    overdue_seconds: float


class TaskCommented(EventData):
    """Someone commented on a task; `comment` is the new one, `task` carries the latest ten
    and `comments_count` (crm.query.task.comments reads them all)."""

    SUBJECT: ClassVar[str] = "crm.task.commented"
    TYPE: ClassVar[str] = "crm.task.commented.v1"
    task: Task
    comment: TaskComment
