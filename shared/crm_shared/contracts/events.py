"""Versioned event types and the schemas of their `data` (SPEC §5).

Each class documents one event. `SUBJECT` is where it is published, `TYPE` the CloudEvents
type (the `.v1` suffix is the schema version: a breaking change gets a new type).
"""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from crm_shared.contracts.dto import ContactAttempt, Deal, Task, TaskComment
from crm_shared.contracts.text import Id, LongText, Name, Phone, Plain, Short, Subject, Title


class EventData(BaseModel):
    """Base of every event payload."""

    SUBJECT: ClassVar[str]
    TYPE: ClassVar[str]


class LeadContact(BaseModel):
    """The person a lead is about."""

    name: Name | None = None
    phone: Phone | None = None
    email: EmailStr | None = None


class LeadReceived(EventData):
    """A source system delivered a lead; it becomes a deal in the entry stage.

    The pair (source, external_id) identifies the lead: the same pair twice makes one deal.
    """

    SUBJECT: ClassVar[str] = "crm.lead.received"
    TYPE: ClassVar[str] = "crm.lead.received.v1"
    model_config = ConfigDict(extra="ignore")

    source: Short = Field(min_length=1)
    external_id: Name = Field(min_length=1)
    contact: LeadContact
    title: Title | None = None
    subject: Subject | None = None
    requirements: LongText | None = None
    amount: Decimal | None = Field(None, ge=0, max_digits=16, decimal_places=2)
    currency: Plain | None = Field(None, pattern=r"^[A-Z]{3}$")
    responsible_id: Id | None = None
    comment: LongText | None = None


class DealCreated(EventData):
    """A deal was created (from a lead or by hand)."""

    SUBJECT: ClassVar[str] = "crm.deal.created"
    TYPE: ClassVar[str] = "crm.deal.created.v1"
    deal: Deal


class DealUpdated(EventData):
    """Fields of a deal changed; `changed` names them (e.g. "rop_id", "contact.phone").

    When the deal changed hands, `previous_responsible_id` is who had it: their board drops
    the card, and they may no longer see the deal.
    """

    SUBJECT: ClassVar[str] = "crm.deal.updated"
    TYPE: ClassVar[str] = "crm.deal.updated.v1"
    deal: Deal
    changed: list[Plain]
    previous_responsible_id: Plain | None = None


class StageChanged(EventData):
    """A deal entered a stage. `from_stage` is null when the deal was just created.

    `version` is the deal's version after the move: consumers use it to ignore late or
    repeated events.
    """

    SUBJECT: ClassVar[str] = "crm.deal.stage_changed"
    TYPE: ClassVar[str] = "crm.deal.stage_changed.v1"
    deal_id: Plain
    from_stage: Plain | None
    to_stage: Plain
    version: int
    actor_id: Plain | None
    deal: Deal


class RejectionError(BaseModel):
    """Why a command was refused."""

    code: Plain
    message: Plain
    missing_fields: list[Plain] | None = None


class MoveRejected(EventData):
    """A stage move was refused; nothing about the deal changed.

    `deal` is the deal as it stands (unchanged), so that whoever is told can name it and, for
    `rop_approval_required`, show the РОП the contact attempts on its current stage.
    """

    SUBJECT: ClassVar[str] = "crm.deal.move_rejected"
    TYPE: ClassVar[str] = "crm.deal.move_rejected.v1"
    deal_id: Plain
    to_stage: Plain
    actor_id: Plain | None
    error: RejectionError
    responsible_id: Plain | None = None
    from_stage: Plain | None = None
    deal: Deal | None = None


class TaskOpened(EventData):
    """A task was opened for a deal."""

    SUBJECT: ClassVar[str] = "crm.task.opened"
    TYPE: ClassVar[str] = "crm.task.opened.v1"
    task: Task


class TaskClosed(EventData):
    """A task was closed; `task.close_reason` says why."""

    SUBJECT: ClassVar[str] = "crm.task.closed"
    TYPE: ClassVar[str] = "crm.task.closed.v1"
    task: Task


class TaskUpdated(EventData):
    """An open task changed hands: the deal got a new responsible, or a new РОП (the creator);
    or the deal's title or contact's name changed.

    `changed` names the fields ("responsible_id", "creator_id", "deal_title",
    "contact_name"); `task` is the whole task after the change, so a consumer that tracks
    deadlines can simply replace its copy.
    """

    SUBJECT: ClassVar[str] = "crm.task.updated"
    TYPE: ClassVar[str] = "crm.task.updated.v1"
    task: Task
    changed: list[Plain]


class TaskOverdue(EventData):
    """An open task passed its deadline (emitted once per task)."""

    SUBJECT: ClassVar[str] = "crm.task.overdue"
    TYPE: ClassVar[str] = "crm.task.overdue.v1"
    task: Task
    overdue_seconds: float


class TaskCommented(EventData):
    """Someone commented on a task; `task` carries every comment, `comment` the new one."""

    SUBJECT: ClassVar[str] = "crm.task.commented"
    TYPE: ClassVar[str] = "crm.task.commented.v1"
    task: Task
    comment: TaskComment


class Notification(EventData):
    """A message for one user, published on `crm.notify.<user_id>`."""

    SUBJECT: ClassVar[str] = "crm.notify"
    TYPE: ClassVar[str] = "crm.notify.v1"
    id: Plain | None = Field(None, description="the notification's id in the user's inbox")
    kind: Plain
    text: Plain
    deal_id: Plain
    user_id: Plain
    task: Task | None = None
    missing_fields: list[Plain] | None = None
    actor_id: Plain | None = None
    """Who asks, for `approval_requested`."""
    attempts: list[ContactAttempt] | None = None
    """The contact attempts on the deal's current stage, for `approval_requested`."""


ALL_EVENTS: tuple[type[EventData], ...] = (
    LeadReceived,
    DealCreated,
    DealUpdated,
    StageChanged,
    MoveRejected,
    TaskOpened,
    TaskClosed,
    TaskUpdated,
    TaskOverdue,
    TaskCommented,
    Notification,
)
