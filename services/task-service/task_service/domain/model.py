"""Tasks and what task-service remembers of each deal, as plain data: no ORM, no I/O."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from crm_shared.contracts.dto import CloseReason, TaskComment, TaskReschedule, TaskStatus
from crm_shared.contracts.dto import Task as TaskDTO
from crm_shared.contracts.refusals import ErrorCode, Refused

# Task ids are derived from (deal, version, kind): an event applied twice by mistake would
# produce the same id and collide on the primary key instead of making a second task.
_TASK_IDS = uuid.UUID("5b0f6d0e-3c1a-4f7e-9a43-7a1d0c2e9b11")


def task_id(deal_id: str, version: int, stage: str | None) -> str:
    """The id of the task opened for `deal_id` at `version` (`stage` None: the РОП task)."""
    return str(uuid.uuid5(_TASK_IDS, f"{deal_id}/{version}/{stage or '-rop-'}"))


TaskKind = Literal["stage", "rop", "own"]
"""A stage's task (rule 2), the free plan's РОП task (rule 1), or one a person set."""


@dataclass
class Task:
    """Задача of one deal: a stage task, the free plan's РОП task (`stage` None), or a
    person's own (`kind` own, no stage); `rop_id` is the deal's РОП, told of its lapse."""

    id: str
    deal_id: str
    stage: str | None
    title: str
    description: str
    creator_id: str | None
    responsible_id: str | None
    deadline: datetime | None
    opened_at: datetime
    deal_version: int
    status: TaskStatus = TaskStatus.open
    close_reason: CloseReason | None = None
    closed_at: datetime | None = None
    closed_by: str | None = None
    deal_title: str | None = None
    contact_name: str | None = None
    comments: list[TaskComment] = field(default_factory=list)
    kind: TaskKind = "stage"
    rop_id: str | None = None
    reschedules: list[TaskReschedule] = field(default_factory=list)

    @property
    def is_open(self) -> bool:
        """Whether the task is still open."""
        return self.status is TaskStatus.open

    def close(self, reason: CloseReason, at: datetime, by: str | None = None) -> None:
        """Close the task, recording why and who (`by`: the person who completed it; None
        when the system closes it); closing twice is a bug in the caller."""
        assert self.is_open, f"task {self.id} is already closed"
        self.status = TaskStatus.closed
        self.close_reason = reason
        self.closed_at = at
        self.closed_by = by

    def to_dto(self) -> TaskDTO:
        """The task as the event API shows it."""
        return TaskDTO(
            id=self.id,
            deal_id=self.deal_id,
            stage=self.stage,
            title=self.title,
            description=self.description,
            creator_id=self.creator_id,
            responsible_id=self.responsible_id,
            deadline=self.deadline,
            status=self.status,
            close_reason=self.close_reason,
            opened_at=self.opened_at,
            closed_at=self.closed_at,
            closed_by=self.closed_by,
            deal_title=self.deal_title,
            contact_name=self.contact_name,
            comments=self.comments[-COMMENTS_SHOWN:],
            comments_count=len(self.comments),
            kind=self.kind,
            rop_id=self.rop_id,
            reschedules=self.reschedules,
        )

    def is_overdue(self, at: datetime) -> bool:
        """Whether the task is open and its deadline passed before `at`."""
        return self.is_open and self.deadline is not None and self.deadline < at

    def comment(self, author_id: str, text: str, at: datetime) -> TaskComment:
        """Add a comment (text stripped; only spaces is no comment) and return it."""
        text = text.strip()
        if not text:
            raise Refused(
                ErrorCode.invalid, "text: a comment of only spaces is empty", reason="empty_comment"
            )
        note = TaskComment(author_id=author_id, text=text, at=at)
        self.comments.append(note)
        return note


COMMENTS_SHOWN = 10
"""A task's payload carries its latest comments (oldest first) and their count: a comment is
up to 2,000 bytes, so an event of a much-discussed task still fits what consumers accept.
Every comment stays stored; `TaskComments` reads them all, page by page."""


@dataclass
class DealState:
    """The latest version of a deal applied to its tasks; version 0 means none yet."""

    deal_id: str
    version: int = 0
    stage: str | None = None
    responsible_id: str | None = None
    rop_id: str | None = None
    closed: bool = False


def check_may_complete(
    task: Task,
    actor_id: str,
    deal_rop_id: str | None,
    *,
    sees_all: bool = False,
    deal_responsible_id: str | None = None,
) -> None:
    """Refuse unless the task is open and `actor_id` may change it: its responsible, its
    creator, the deal's РОП, or a user whose `access` is all (`sees_all`).

    Raises `Refused` with `transition_not_allowed` for a closed task and `forbidden` for
    anyone else, naming who may complete it.
    """
    if not task.is_open:
        reason = task.close_reason.value if task.close_reason else "closed"
        raise Refused(
            ErrorCode.transition_not_allowed,
            f"task {task.id} is already closed ({reason})",
            reason="task_closed",
        )
    allowed = {u for u in (task.responsible_id, task.creator_id, deal_rop_id) if u}
    if deal_responsible_id is not None and actor_id != deal_rop_id:
        # the deal was given to someone else: its tasks went with it
        allowed = {u for u in allowed if u in (deal_responsible_id, deal_rop_id)}
    if not sees_all and actor_id not in allowed:
        who = ", ".join(sorted(allowed)) or "nobody (the task has no responsible or РОП)"
        raise Refused(
            ErrorCode.forbidden,
            f"{actor_id!r} may not complete task {task.id}: only its responsible or the "
            f"deal's РОП may ({who})",
            reason="not_responsible",
        )


def check_may_see(
    task: Task, actor_id: str, *, sees_all: bool, deal_responsible_id: str | None = None
) -> None:
    """Refuse (`forbidden`) unless the actor may see the task (SPEC §5 scope).

    A user whose role has `access: all` (every РОП) sees every task; a manager with `own`
    every task of a deal they hold (`deal_responsible_id`), its earlier responsibles' closed
    ones too: a task follows its deal's access, so a deal given to another manager takes its
    whole task list to the new one and leaves the old one nothing. While task-service knows
    nothing of the deal (None), the task's responsible and creator see it.
    """
    if sees_all or deal_responsible_id == actor_id:
        return
    if deal_responsible_id is None and actor_id in (task.responsible_id, task.creator_id):
        return
    raise Refused(
        ErrorCode.forbidden,
        f"{actor_id!r} may not see task {task.id}: its deal is not theirs (access: own)",
    )
