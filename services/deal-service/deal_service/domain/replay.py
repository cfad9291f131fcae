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


def judge(
    past: DealPast, config: CrmConfig, verdicts: Verdicts | None = None
) -> list[ErrorBody | None]:
    """Per move, in order: the refusal `config`'s rules would have given it, or None.

    The deal is walked back from today: before a move is judged, every change made after
    it is undone (newest first), so each move sees the values it met. `verdicts` (for
    `config`) keeps the answers across deals; `past.deal` itself is never changed.
    """
    if verdicts is None or verdicts.config is not config:
        verdicts = Verdicts(config)
    facts = past.deal
    copied = False
    signature: tuple[object, ...] | None = None
    found: list[ErrorBody | None] = [None] * len(past.moves)
    pending = len(past.changes)
    for i in range(len(past.moves) - 1, -1, -1):
        move = past.moves[i]
        while pending and past.changes[pending - 1].at > move.at:
            if not copied:
                facts, copied = _copy(facts), True
            pending -= 1
            undo(facts, past.changes[pending])
            signature = None
        if move.from_stage is None:
            continue  # the deal was opened: no rule stands before a new deal
        if signature is None:
            signature = verdicts.signature(facts)
        found[i] = verdicts.verdict(facts, signature, move)
    return found


class Verdicts:
    """`check`'s answers under one configuration, by everything `rules.check_move` reads.

    A move's answer depends only on the stage it leaves and the one it enters, the actor,
    the contact attempts of the stay, and of the deal its РОП, its delivery method, whether
    its failure comment is filled and whether each field a required-fields rule names is
    present (`rules.field_present`, the rules' own test): the deal's `signature`. The first
    move of each kind is judged by `check` (the rules' code); the next ones of the same kind
    get its answer. `tests/unit/test_replay_verdicts.py` checks that `check_move` reads
    nothing of a deal that the signature leaves out.
    """

    LIMIT = 100_000
    """Answers kept at most (forgotten all at once past it): a few hundred kinds in practice."""

    def __init__(self, config: CrmConfig) -> None:
        self.config = config
        required = config.pipeline.rules.required_fields
        self.names = tuple(dict.fromkeys(n for rule in required for n in rule.fields))
        self.known: dict[tuple[object, ...], ErrorBody | None] = {}
        self.checked = 0

    def signature(self, facts: Deal) -> tuple[object, ...]:
        """What the rules read of the deal beyond its stage and contact attempts."""
        present = rules.field_present
        return (
            facts.rop_id,
            facts.delivery_method,
            rules.filled(facts.failure_comment),
            *[present(facts, name, self.config) for name in self.names],
        )

    def verdict(
        self, facts: Deal, signature: tuple[object, ...], move: PastMove
    ) -> ErrorBody | None:
        """`check` of `move` for a deal with these facts (its stage: the one it left)."""
        key = (move.from_stage, move.to_stage, move.actor_id, move.attempts, signature)
        try:
            return self.known[key]
        except KeyError:
            pass
        probe = copy.copy(facts)  # shallow: only the stage and the attempts are set
        probe.stage = move.from_stage or ""
        probe.contact_attempts = move.attempts
        answer = check(probe, move, self.config)
        self.checked += 1
        if len(self.known) >= self.LIMIT:
            self.known.clear()
        self.known[key] = answer
        return answer


def _copy(deal: Deal) -> Deal:
    """A copy whose fields (and its contact's) may be set: shallow, ten times cheaper than
    `Deal.copy`'s replace."""
    facts = copy.copy(deal)
    facts.contact = copy.copy(deal.contact)
    return facts


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
