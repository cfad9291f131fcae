"""task-service's commands: complete a task, comment on it, set one by hand, reschedule it."""

from __future__ import annotations

from typing import ClassVar

from pydantic import AwareDatetime, Field

from crm_shared.contracts.base import Asks, Command
from crm_shared.contracts.task.replies import TaskReply
from crm_shared.contracts.text import Id, Subject, Title


class CompleteTask(Command, Asks[TaskReply]):
    """crm.cmd.task.complete: the responsible or the РОП marks a task done."""

    SUBJECT: ClassVar[str] = "crm.cmd.task.complete"
    task_id: Id


class CommentTask(Command, Asks[TaskReply]):
    """crm.cmd.task.comment: add a comment to a task the actor may see."""

    SUBJECT: ClassVar[str] = "crm.cmd.task.comment"
    task_id: Id
    text: Subject = Field(min_length=1)


class CreateTask(Command, Asks[TaskReply]):
    """crm.cmd.task.create: a person sets a task on a deal («перезвонить завтра в 15:00»).

    The actor is its creator. A manager sets tasks on the deals they may work (their own,
    with `access: own`), for themselves; a РОП on any deal, for its responsible. Its lapse
    reaches the deal's РОП like a stage task's (rule 3).
    """

    SUBJECT: ClassVar[str] = "crm.cmd.task.create"
    deal_id: Id
    title: Title = Field(min_length=1)
    deadline: AwareDatetime = Field(description="RFC 3339 with offset; not in the past")
    description: Subject | None = None


class RescheduleTask(Command, Asks[TaskReply]):
    """crm.cmd.task.reschedule: move an open task's deadline, saying why.

    A manager moves the own tasks they are responsible for (set by them, for them by a РОП,
    or by the deal's previous responsible: a deal given to another takes its tasks along); a
    stage task (whose creator is the РОП) and the free plan's РОП task only a РОП moves. The
    reason is kept with the task (`reschedules`) and shown.
    """

    SUBJECT: ClassVar[str] = "crm.cmd.task.reschedule"
    task_id: Id
    deadline: AwareDatetime = Field(description="RFC 3339 with offset; not in the past")
    reason: Subject = Field(min_length=1)
