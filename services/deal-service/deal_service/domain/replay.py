"""A deal's past moves judged again under other rules (issue 24 §2, `crm rules try`).

Each move is checked by `rules.check_move`, the very function the aggregate (`Deal.move_to`)
calls, on the deal as it stood when it moved: today's values with every later field change
of its journal undone (the journal keeps each change's `from`), in the stage it left, with
the contact attempts of that stay. No second copy of a rule lives here.

What the journal does not hold cannot be undone, and is read as it is today: a contact's
fields changed through another deal of the same contact, a contact erased, fields set by an
import. Fields set by a move with `fields` are journaled at that move's time, so they are
undone only for the moves before it.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

from crm_shared.config import CrmConfig, UnknownStage
from crm_shared.contracts.refusals import ErrorBody, ErrorCode, Refused
from deal_service.domain import rules
from deal_service.domain.changes import DEAL_FIELDS
from deal_service.domain.model import Deal


class PastMove(NamedTuple):
    """A stage entry of the deal's history (`from_stage` None: the deal was created).

    `attempts` are the contact attempts logged in the stay it left (counted where the
    proposed rules ask: moves into the contact-attempts rule's stage; else 0);
    `responsible_id` is the deal's responsible at the move. A tuple: a million are made."""

    from_stage: str | None
    to_stage: str
    at: datetime
    actor_id: str | None = None
    responsible_id: str | None = None
    attempts: int = 0


class FieldChange(NamedTuple):
    """A field change of the deal's journal: the field, and its value before (as text)."""

    at: datetime
    field: str
    before: str | None


@dataclass
class DealPast:
    """A deal as it is today, its moves in the period and the journal's changes since the
    period began, both in time order."""

    deal: Deal
    moves: list[PastMove]
    changes: list[FieldChange]


def judge(past: DealPast, config: CrmConfig) -> list[ErrorBody | None]:
    """Per move, in order: the refusal `config`'s rules would have given it, or None.

    The deal is walked back from today: before a move is judged, every change made after
    it is undone (newest first), so each move sees the values it met.
    """
    facts = copy.copy(past.deal)  # shallow, ten times cheaper than `Deal.copy`'s replace
    facts.contact = copy.copy(facts.contact)  # only fields are set on the copies
    verdicts: list[ErrorBody | None] = [None] * len(past.moves)
    pending = len(past.changes)
    for i in range(len(past.moves) - 1, -1, -1):
        move = past.moves[i]
        while pending and past.changes[pending - 1].at > move.at:
            pending -= 1
            undo(facts, past.changes[pending])
        if move.from_stage is None:
            continue  # the deal was opened: no rule stands before a new deal
        facts.stage = move.from_stage
        facts.contact_attempts = move.attempts
        verdicts[i] = check(facts, move, config)
    return verdicts


def check(facts: Deal, move: PastMove, config: CrmConfig) -> ErrorBody | None:
    """The refusal of `move` for a deal with these `facts` under `config`, or None.

    A stage the proposed pipeline lacks is refused as the service refuses an unknown target
    (`invalid`, reason `unknown_stage`), naming the stage.
    """
    try:
        rules.check_move(facts, move.to_stage, move.actor_id or "", None, config)
    except Refused as refused:
        error = refused.error
        if error.params and error.params.get("reason") == "unknown_stage":
            return _unknown(move.to_stage)
        return error
    except UnknownStage as unknown:
        return _unknown(str(unknown.args[0]))
    return None


def _unknown(stage: str) -> ErrorBody:
    return ErrorBody(
        code=ErrorCode.invalid,
        message=f"unknown stage {stage!r}",
        params={"reason": "unknown_stage", "stage": stage},
    )


def undo(facts: Deal, change: FieldChange) -> None:
    """Set the field back to what it was before `change` (text read back as its type)."""
    name, value = change.field, change.before
    if name == "contact":
        facts.contact = None  # "contact" is journaled when a contact is attached: none before
    elif name.startswith("contact."):
        if facts.contact is not None and hasattr(facts.contact, name[8:]):
            setattr(facts.contact, name[8:], value)
    elif name == "amount":
        facts.amount = _decimal(value)
    elif name in DEAL_FIELDS:
        setattr(facts, name, value)


def _decimal(value: str | None) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(value)
    except InvalidOperation:
        return None
