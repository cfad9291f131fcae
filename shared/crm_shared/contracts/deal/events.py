"""deal-service's events (and the lead it consumes), with the schemas of their `data` (SPEC §5).

Each class documents one event. `SUBJECT` is where it is published, `TYPE` the CloudEvents
type (the `.v1` suffix is the schema version: a breaking change gets a new type).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from crm_shared.contracts.base import EventData
from crm_shared.contracts.currency import CurrencyCode
from crm_shared.contracts.dto import Deal
from crm_shared.contracts.text import Id, LongText, Name, Phone, Plain, Short, Subject, Title


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
    currency: CurrencyCode | None = None
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
    the card, and they may no longer see the deal. `actor_id` is who made the change (the
    command's actor; for a contact's other deals, who changed it through one of them): the
    notifier tells no one of their own handover. Null when no person of ours did: an import
    brought the source's change, or the event was stored before it was carried.
    """

    SUBJECT: ClassVar[str] = "crm.deal.updated"
    TYPE: ClassVar[str] = "crm.deal.updated.v1"
    deal: Deal
    changed: list[Plain]
    previous_responsible_id: Plain | None = None
    through_deal_id: Plain | None = Field(
        None,
        description="the deal's contact is shared with other deals (leads on one phone or "
        "e-mail) and was changed through this one of them: `changed` names the contact's "
        "fields, and that deal has its own DealUpdated",
    )
    erased: bool = Field(
        False,
        description="the deal's contact was erased (crm.cmd.deal.erase_contact): every "
        "service replaces its copies of the contact's name and the deal's title with the "
        "deal's, on every task and notice of the deal, closed ones too",
    )
    actor_id: Plain | None = Field(
        None, description="who made the change; null when no person of ours did (an import)"
    )


class ContactErased(EventData):
    """A contact's personal fields were replaced (152-ФЗ / GDPR erasure), on every one of its
    deals; the deals themselves, their stages and amounts stay. The record of the erasure:
    the services obey the `DealUpdated` (`erased: true`) sent with it for each deal."""

    SUBJECT: ClassVar[str] = "crm.deal.contact_erased"
    TYPE: ClassVar[str] = "crm.deal.contact_erased.v1"
    contact_id: Plain
    deal_ids: list[Plain]
    erased_by: Plain
    erased_at: datetime


class StageChanged(EventData):
    """A deal entered a stage. `from_stage` is null when the deal was just created.

    `version` is the deal's version after the move: consumers use it to ignore late or
    repeated events. `changed` names the fields the move set besides the stage (a move
    with `fields`, as DealUpdated's `changed` does: `amount`, `contact.phone`); empty when
    only the stage changed. `imported` is true when an import (crm.cmd.deal.import) moved
    it: the deal's `updated_at` is then when the source moved it, maybe long ago, and a task
    the move opens is due the stage's duration from its opening, not from that time.
    """

    SUBJECT: ClassVar[str] = "crm.deal.stage_changed"
    TYPE: ClassVar[str] = "crm.deal.stage_changed.v1"
    deal_id: Plain
    from_stage: Plain | None
    to_stage: Plain
    version: int
    actor_id: Plain | None
    deal: Deal
    changed: list[Plain] = Field(default_factory=list)
    imported: bool = Field(
        False, description="an import moved it (at the source's time): tasks count from now"
    )


class DealNoted(EventData):
    """Someone wrote a note on a deal (crm.cmd.deal.note); the deal itself did not change.
    The text stays in deal-service's story (crm.query.deal.timeline): the event says only
    that the deal was worked on, and when (the notifier's idle watch reads it)."""

    SUBJECT: ClassVar[str] = "crm.deal.noted"
    TYPE: ClassVar[str] = "crm.deal.noted.v1"
    deal_id: Plain
    actor_id: Plain
    at: datetime
    responsible_id: Plain | None = None


class IdleThreshold(BaseModel):
    """How long a deal may sit in one active stage with no activity before it is idle."""

    stage: Plain
    seconds: float | None = Field(description="null: the stage is not watched")
    samples: int = Field(
        description="the forward moves out of the stage the 80th percentile "
        "was taken over (the last 90 days)"
    )
    source: Literal["history", "config", "none"] = Field(
        description="history: the 80th percentile (at least 20 moves); config: the stage's "
        "idle_after; none: neither"
    )


class IdleThresholdsSet(EventData):
    """deal-service's idle thresholds for every active stage, from its stage history (at its
    start and every night); whoever watches deals for idleness replaces its copy."""

    SUBJECT: ClassVar[str] = "crm.deal.idle_thresholds"
    TYPE: ClassVar[str] = "crm.deal.idle_thresholds.v1"
    computed_at: datetime
    since: datetime = Field(description="the start of the history window")
    items: list[IdleThreshold]


class DealWentIdle(EventData):
    """A deal sat in its active stage past the stage's idle threshold with no activity
    («засиделась», issue 24): the notifier's event, once per idle stretch, for everyone who
    sees the deal (its board card is marked); the next activity ends the stretch."""

    SUBJECT: ClassVar[str] = "crm.deal.idle"
    TYPE: ClassVar[str] = "crm.deal.idle.v1"
    deal_id: Plain
    stage: Plain
    responsible_id: Plain | None = None
    idle_since: datetime = Field(description="its last activity plus the stage's threshold")
    last_activity_at: datetime


class RejectionError(BaseModel):
    """Why a command was refused."""

    code: Plain
    message: Plain
    missing_fields: list[Plain] | None = None
    params: dict[str, Plain | None] | None = None
    """`reason` and the values of the sentence people read (see crm_shared.locale)."""


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


class _ApprovalAnswer(EventData):
    """The РОП's answer to a request to move a deal (rule 6): `asked_by` asked for
    `to_stage`, `actor_id` answered; nothing waits any more."""

    deal_id: Plain
    to_stage: Plain
    asked_by: Plain
    actor_id: Plain
    deal: Deal


class ApprovalDeclined(_ApprovalAnswer):
    """The РОП declined a request to move a deal (rule 6): `asked_by` asked for `to_stage`,
    `actor_id` declined with `reason`; the deal did not move and nothing waits any more."""

    SUBJECT: ClassVar[str] = "crm.deal.approval_declined"
    TYPE: ClassVar[str] = "crm.deal.approval_declined.v1"
    reason: Plain


class ApprovalGranted(_ApprovalAnswer):
    """The РОП agreed to a request to move a deal (rule 6) by making the move: `asked_by`
    asked for `to_stage`, `actor_id` moved the deal there; nothing waits any more."""

    SUBJECT: ClassVar[str] = "crm.deal.approval_granted"
    TYPE: ClassVar[str] = "crm.deal.approval_granted.v1"
