"""Bringing a deal over from another CRM as it stands there (crm import bitrix24).

An imported deal is a real deal: stored as any other, with DealCreated and StageChanged (so
task-service opens its current stage's task), and its stage history written with the times
it happened, so analytics and time-in-stage cover the imported past. The history is not
checked against today's rules (it happened); the stages must be configured ones.
"""

from __future__ import annotations

import itertools
from datetime import datetime
from decimal import Decimal
from typing import ClassVar

from pydantic import AwareDatetime, Field, model_validator

from crm_shared.contracts.commands import Command, ContactInput, Strict
from crm_shared.contracts.dto import Deal, DeliveryMethod
from crm_shared.contracts.replies import Answer, Asks
from crm_shared.contracts.text import Code, Id, LongText, Name, Short, Subject, Title

MAX_HISTORY = 500


class ImportedStage(Strict):
    """The deal entered `stage` at `at` (time zone required)."""

    stage: Code
    at: AwareDatetime


class ImportDealReply(Answer):
    """The deal, whether this request made it (false: it was here already), and the fields
    its stage requires that it lacks."""

    deal: Deal
    imported: bool
    missing: list[str] = Field(default_factory=list)
    """The fields the current stage requires that the deal lacks: reported, not enforced."""


class ImportDeal(Command, Asks[ImportDealReply]):
    """crm.cmd.deal.import: a deal from another CRM, keyed by (source, external_id): the same
    pair again changes nothing and answers the deal as it is here (`imported` false). Only a
    РОП imports. `history` is oldest first; its last entry is the current stage."""

    SUBJECT: ClassVar[str] = "crm.cmd.deal.import"
    source: Short = Field(min_length=1)
    external_id: Name = Field(min_length=1)
    contact: ContactInput
    title: Title | None = None
    company: Title | None = None
    amount: Decimal | None = Field(None, ge=0, max_digits=16, decimal_places=2)
    currency: str | None = Field(None, pattern=r"^[A-Z]{3}$")
    responsible_id: Id | None = None
    rop_id: Id | None = None
    subject: Subject | None = None
    requirements: LongText | None = None
    comment: LongText | None = None
    delivery_method: DeliveryMethod | None = None
    failure_comment: LongText | None = None
    created_at: AwareDatetime
    history: list[ImportedStage] = Field(min_length=1, max_length=MAX_HISTORY)

    @model_validator(mode="after")
    def _in_order(self) -> ImportDeal:
        times: list[datetime] = [self.created_at, *(h.at for h in self.history)]
        if any(b < a for a, b in itertools.pairwise(times)):
            raise ValueError("history: entries oldest first, none before created_at")
        return self
