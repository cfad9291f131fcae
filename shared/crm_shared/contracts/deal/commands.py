"""deal-service's commands: create, change, move a deal, log a contact attempt, note it,
import it from another CRM, decline an approval, erase a contact (152-ФЗ, GDPR).

An imported deal (crm import bitrix24) is a real deal: stored as any other, with DealCreated
and StageChanged (so task-service opens its current stage's task), and its stage history
written with the times it happened, so analytics and time-in-stage cover the imported past.
The history is not checked against today's rules (it happened); the stages must be configured
ones.

`crm contact erase <id>` sends `EraseContact`; deal-service replaces the contact's personal
fields and its deals' free texts with `ERASED`, logs the erasure, and publishes, through its
outbox, `DealUpdated` with `erased: true` for each of the contact's deals (task-service obeys
it on every task of those deals, open or closed, and publishes `TaskUpdated` with `erased:
true`, which the notifier obeys on its notifications) and one `ContactErased`, the bus's
record of it. Deals, stages and amounts stay, for analytics.
"""

from __future__ import annotations

import itertools
from datetime import datetime
from decimal import Decimal
from typing import ClassVar, Literal

from pydantic import AwareDatetime, EmailStr, Field, model_validator

from crm_shared.contracts.base import Asks, Command, Strict
from crm_shared.contracts.currency import CurrencyCode
from crm_shared.contracts.deal.replies import (
    DealReply,
    DeclinedReply,
    ErasedReply,
    ImportDealReply,
    MoveDealReply,
    NoteReply,
    UpdateDealReply,
)
from crm_shared.contracts.dto import DeliveryMethod, PaysBy
from crm_shared.contracts.text import Code, Id, LongText, Name, Phone, Short, Subject, Title


class ContactInput(Strict):
    """Contact fields a command may set."""

    name: Name | None = None
    phone: Phone | None = None
    email: EmailStr | None = None
    pays_by: PaysBy | None = None
    segment: Name | None = None


class DealFields(Strict):
    """Deal fields a command may set; `None` clears a field when given explicitly."""

    title: Title | None = None
    amount: Decimal | None = Field(None, ge=0, max_digits=16, decimal_places=2)
    currency: CurrencyCode | None = None
    company: Title | None = None
    responsible_id: Id | None = None
    rop_id: Id | None = None
    subject: Subject | None = None
    requirements: LongText | None = None
    delivery_method: DeliveryMethod | None = None
    delivery_address: LongText | None = None
    failure_comment: LongText | None = None
    contact: ContactInput | None = None


DEAL_FIELD_NAMES: tuple[str, ...] = tuple(n for n in DealFields.model_fields if n != "contact")
"""The deal's own fields a command may set, in their order: the one list that deal-service's
domain and table and the gateway's forms read (a new field: `DealFields`, the `Deal`
dataclass, a migration and the table's declaration)."""


CONTACT_FIELD_NAMES: tuple[str, ...] = tuple(ContactInput.model_fields)
"""The contact's fields a command may set (`contact.<name>` in forms and `missing_fields`)."""


class CreateDeal(Command, Asks[DealReply]):
    """crm.cmd.deal.create: open a deal by hand in the entry stage."""

    SUBJECT: ClassVar[str] = "crm.cmd.deal.create"
    contact: ContactInput | None = None
    contact_id: Id | None = None
    title: Title | None = None
    responsible_id: Id | None = None
    rop_id: Id | None = None
    subject: Subject | None = None
    requirements: LongText | None = None
    amount: Decimal | None = Field(None, ge=0, max_digits=16, decimal_places=2)
    currency: CurrencyCode | None = None
    company: Title | None = None
    delivery_method: DeliveryMethod | None = None
    delivery_address: LongText | None = None
    source: Short | None = None


class UpdateDeal(Command, Asks[UpdateDealReply]):
    """crm.cmd.deal.update: change fields of a deal (not its stage)."""

    SUBJECT: ClassVar[str] = "crm.cmd.deal.update"
    deal_id: Id
    fields: DealFields
    expected_version: int | None = Field(
        None, ge=0, description="refused (version_conflict) unless the deal is at this version"
    )


class MoveDeal(Command, Asks[MoveDealReply]):
    """crm.cmd.deal.move: move a deal to another stage, subject to the pipeline's rules.

    `fields` (optional) are set in the same step, as a board's "fill in and move" dialog
    sends them: checked with the move on the deal as filled in, applied only if it moves,
    in one version and one StageChanged (its `changed`). Not the responsible or the РОП:
    a reassignment is an update of its own.
    """

    SUBJECT: ClassVar[str] = "crm.cmd.deal.move"
    deal_id: Id
    to_stage: Code
    failure_comment: LongText | None = None
    fields: DealFields | None = None
    expected_version: int | None = Field(
        None, ge=0, description="refused (version_conflict) unless the deal is at this version"
    )


class LogContactAttempt(Command, Asks[DealReply]):
    """crm.cmd.deal.contact_attempt: record a failed attempt to reach the client."""

    SUBJECT: ClassVar[str] = "crm.cmd.deal.contact_attempt"
    deal_id: Id
    note: Subject | None = None


class NoteDeal(Command, Asks[NoteReply]):
    """crm.cmd.deal.note: write a note on a deal the actor may see («клиент в отпуске до
    15-го»); it shows in the deal's timeline."""

    SUBJECT: ClassVar[str] = "crm.cmd.deal.note"
    deal_id: Id
    text: Subject = Field(min_length=1)


class DeclineApproval(Command, Asks[DeclinedReply]):
    """crm.cmd.deal.approval.decline: the РОП declines a waiting request (rule 6), saying
    why. The request is no longer pending, the deal stays where it is, and whoever asked is
    told the reason (ApprovalDeclined; notification `approval_declined`). Only who may agree
    may decline: the deal's РОП, or any РОП for a deal without one."""

    SUBJECT: ClassVar[str] = "crm.cmd.deal.approval.decline"
    deal_id: Id
    reason: Subject = Field(min_length=1)


# What a person's erased name, a deal's title and a task's copies of them become.
ERASED = "[удалено]"


class EraseContact(Command, Asks[ErasedReply]):
    """crm.cmd.deal.erase_contact: replace the contact's personal fields in every service (a
    РОП only). Answers the contact's id and its deals' ids; repeating it changes nothing more."""

    SUBJECT: ClassVar[str] = "crm.cmd.deal.erase_contact"
    contact_id: Id


MAX_HISTORY = 500


Clearable = Literal[
    "title",
    "company",
    "amount",
    "subject",
    "requirements",
    "delivery_method",
    "failure_comment",
    "contact.pays_by",
    "contact.segment",
]
"""What a re-import may empty: not the people (responsible, РОП), the currency, the lead's
comment, nor the contact's name, phone and e-mail (what it is found by)."""


class ImportedStage(Strict):
    """The deal entered `stage` at `at` (time zone required)."""

    stage: Code
    at: AwareDatetime


class ImportDeal(Command, Asks[ImportDealReply]):
    """crm.cmd.deal.import: a deal from another CRM, keyed by (source, external_id). The same
    pair again answers the deal as it is here (`imported` false) and changes nothing, unless
    `modified_at` is newer than the one imported last: then the fields it gives that differ
    are set (DealUpdated) and a stage the deal left there is a move here (its new history
    rows, StageChanged), not checked against today's rules, as the first import's, and the
    fields in `cleared` (empty there) are emptied in the same DealUpdated. Only a РОП
    imports. `history` is oldest first; its last entry is the current stage."""

    SUBJECT: ClassVar[str] = "crm.cmd.deal.import"
    source: Short = Field(min_length=1)
    external_id: Name = Field(min_length=1)
    contact: ContactInput
    title: Title | None = None
    company: Title | None = None
    amount: Decimal | None = Field(None, ge=0, max_digits=16, decimal_places=2)
    currency: CurrencyCode | None = None
    responsible_id: Id | None = None
    rop_id: Id | None = None
    subject: Subject | None = None
    requirements: LongText | None = None
    comment: LongText | None = None
    delivery_method: DeliveryMethod | None = None
    failure_comment: LongText | None = None
    created_at: AwareDatetime
    modified_at: AwareDatetime | None = None
    """When the deal, its contact or its stage last changed in the source."""
    history: list[ImportedStage] = Field(min_length=1, max_length=MAX_HISTORY)
    cleared: list[Clearable] = Field(
        default_factory=list,
        description="fields empty in the source: a re-import empties them here (not checked "
        "against the stage's required fields: reported in `missing`); a first import ignores it",
    )

    @model_validator(mode="after")
    def _in_order(self) -> ImportDeal:
        given = [name for name in self.cleared if _given(self, name)]
        if given or len(set(self.cleared)) < len(self.cleared):
            raise ValueError(f"cleared: given or repeated: {', '.join(given) or 'repeated'}")
        times: list[datetime] = [self.created_at, *(h.at for h in self.history)]
        if any(b < a for a, b in itertools.pairwise(times)):
            raise ValueError("history: entries oldest first, none before created_at")
        return self


def _given(cmd: ImportDeal, name: str) -> bool:
    """Whether the command gives a value for `name` (`contact.<field>` for the contact's)."""
    owner, _, field = name.rpartition(".")
    return getattr(cmd.contact if owner else cmd, field) is not None
