"""The shapes of a deal, a contact and a task as other systems see them (SPEC §5).

Integrators code against these names: add fields freely, rename none. Ids are strings,
amounts decimal strings ("15000.00"), times RFC 3339 UTC.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class PaysBy(StrEnum):
    """Как платит: how the contact pays."""

    cash = "cash"
    online = "online"
    invoice = "invoice"


class DeliveryMethod(StrEnum):
    """Способ доставки."""

    delivery = "delivery"
    pickup = "pickup"


class Contact(BaseModel):
    """A contact (the client person) as attached to a deal."""

    id: str
    name: str | None = None
    phone: str | None = None
    email: str | None = None
    pays_by: PaysBy | None = None
    segment: str | None = None


class ContactAttempt(BaseModel):
    """One failed attempt to reach the client, logged on the deal's current stage."""

    actor_id: str
    note: str | None = None
    at: datetime


class Deal(BaseModel):
    """A deal as emitted in events and returned by commands and queries.

    `contact_attempts` counts the failed contact attempts on the current stage (it starts
    again when the deal enters another stage); `attempts` lists the latest of them with their
    notes. `comment` is the comment the lead came with.
    """

    id: str
    version: int
    stage: str
    title: str | None = None
    amount: Decimal | None = None
    currency: str = "RUB"
    contact: Contact | None = None
    company: str | None = None
    responsible_id: str | None = None
    rop_id: str | None = None
    subject: str | None = None
    requirements: str | None = None
    delivery_method: DeliveryMethod | None = None
    failure_comment: str | None = None
    contact_attempts: int = 0
    attempts: list[ContactAttempt] = Field(default_factory=list)
    source: str | None = None
    external_id: str | None = None
    comment: str | None = None
    created_at: datetime
    updated_at: datetime


class TaskStatus(StrEnum):
    """Whether a task is still open."""

    open = "open"
    closed = "closed"


class CloseReason(StrEnum):
    """Why a task was closed."""

    completed = "completed"
    stage_left = "stage_left"
    deal_closed = "deal_closed"
    rop_set = "rop_set"


class Task(BaseModel):
    """A task as emitted in events and returned by task queries."""

    model_config = ConfigDict(use_enum_values=False)

    id: str
    deal_id: str
    stage: str | None = Field(None, description="null for the free plan's РОП task")
    title: str
    description: str = ""
    creator_id: str | None = None
    responsible_id: str | None = None
    deadline: datetime | None = None
    status: TaskStatus = TaskStatus.open
    close_reason: CloseReason | None = None
    opened_at: datetime
    closed_at: datetime | None = None
