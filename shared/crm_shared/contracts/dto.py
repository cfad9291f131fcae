"""The shapes of a deal, a contact and a task as other systems see them (SPEC §5).

Integrators code against these names: add fields freely, rename none. Ids are strings,
amounts decimal strings ("15000.00"), times RFC 3339 UTC.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from crm_shared.contracts.phones import client_label
from crm_shared.contracts.text import Plain


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

    id: Plain
    name: Plain | None = None
    phone: Plain | None = None
    email: Plain | None = None
    pays_by: PaysBy | None = None
    segment: Plain | None = None


class ContactAttempt(BaseModel):
    """One failed attempt to reach the client, logged on the deal's current stage."""

    actor_id: Plain
    note: Plain | None = None
    at: datetime


class Deal(BaseModel):
    """A deal as emitted in events and returned by commands and queries.

    `contact_attempts` counts the failed contact attempts on the current stage (it starts
    again when the deal enters another stage); `attempts` lists the latest of them with their
    notes. `comment` is the comment the lead came with.
    """

    id: Plain
    version: int
    stage: Plain
    title: Plain | None = None
    amount: Decimal | None = None
    currency: Plain = "RUB"
    contact: Contact | None = None
    company: Plain | None = None
    responsible_id: Plain | None = None
    rop_id: Plain | None = None
    subject: Plain | None = None
    requirements: Plain | None = None
    delivery_method: DeliveryMethod | None = None
    delivery_address: Plain | None = None
    """Адрес доставки: where a deal with delivery_method "delivery" goes."""
    failure_comment: Plain | None = None
    contact_attempts: int = 0
    attempts: list[ContactAttempt] = Field(default_factory=list)
    source: Plain | None = None
    external_id: Plain | None = None
    comment: Plain | None = None
    created_at: datetime
    updated_at: datetime


def client_of(deal: Deal | None) -> str | None:
    """How people know the deal's client (`phones.client_label`): the contact's name, else
    their phone as read, else their e-mail; None without a contact or any of them."""
    if deal is None or deal.contact is None:
        return None
    c = deal.contact
    return client_label(c.name, c.phone, c.email)


_AFTER_NAME = " .,:;—–-"


def beside_client(title: str, client: str | None) -> str:
    """A task's title where its client is named beside it (My tasks' «Кирпич · Анна», a
    notice's «по сделке «Кирпич» (Анна)»): without the client's name it opens with.

    The shipped stages' titles open with it («{{Контакт: Имя}}. Получить ответ на КП») so
    that a title read alone (the deal's story, the РОП's list, the CLI) says whose task it
    is; beside the name it read twice. «Анна. Получить ответ на КП» beside Анна reads
    «Получить ответ на КП»; any other title, one where the name only starts a word («Аннин
    заказ»), or the name alone, is returned as it is.
    """
    if not client or not title.startswith(client):
        return title
    rest = title[len(client) :]
    if not rest or rest[0] not in _AFTER_NAME:
        return title
    return rest.lstrip(_AFTER_NAME) or title


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


class TaskComment(BaseModel):
    """One comment on a task: who wrote it, what, and when."""

    author_id: Plain
    text: Plain
    at: datetime


class TaskReschedule(BaseModel):
    """A task's deadline moved: by whom, from when to when, why."""

    actor_id: Plain
    from_deadline: datetime | None
    to_deadline: datetime
    reason: Plain
    at: datetime


class Task(BaseModel):
    """A task as emitted in events and returned by task queries."""

    model_config = ConfigDict(use_enum_values=False)

    id: Plain
    deal_id: Plain
    stage: Plain | None = Field(None, description="null for the free plan's РОП task")
    title: Plain
    description: Plain = ""
    creator_id: Plain | None = None
    responsible_id: Plain | None = None
    deadline: datetime | None = None
    status: TaskStatus = TaskStatus.open
    close_reason: CloseReason | None = None
    opened_at: datetime
    closed_at: datetime | None = None
    closed_by: Plain | None = Field(
        None,
        description="who completed the task (crm.cmd.task.complete's actor); null when the "
        "system closed it (close_reason other than completed), and for a task completed "
        "before this was recorded",
    )
    deal_title: str | None = Field(None, description="the deal's title when the task opened")
    contact_name: str | None = Field(
        None,
        description="the deal's client as people know them, kept in step with the deal: "
        "the contact's name, else their phone as read (+7 912 345-67-89), else their e-mail",
    )
    comments: list[TaskComment] = Field(
        default_factory=list,
        description="the latest 10 comments, oldest first; every one: crm.query.task.comments",
    )
    comments_count: int = Field(
        0, description="how many comments the task has, those not carried in `comments` too"
    )
    kind: Literal["stage", "rop", "own"] = Field(
        "stage",
        description="stage: a stage's task (rule 2); rop: the free plan's «Укажите "
        "руководителя…» (rule 1); own: set by a person (crm.cmd.task.create)",
    )
    rop_id: Plain | None = Field(
        None, description="the deal's РОП: who hears of the task's lapse (rule 3)"
    )
    reschedules: list[TaskReschedule] = Field(
        default_factory=list, description="every move of the deadline, oldest first"
    )
