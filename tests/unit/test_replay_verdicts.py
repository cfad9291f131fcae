"""The dry run's kept answers (`replay.Verdicts`, issue 24 §2): a move judged once per kind
gives every later move of that kind the answer the rules' own code gives it, because the
signature holds everything `rules.check_move` reads of a deal."""

from __future__ import annotations

import contextlib
import copy
import itertools
import random
from decimal import Decimal
from typing import Any

from crm_shared.config import CrmConfig, UnknownStage
from crm_shared.contracts.refusals import ErrorBody, Refused
from deal_service.domain import rules
from deal_service.domain.contacts import Contact
from deal_service.domain.model import Deal
from deal_service.domain.replay import (
    DealPast,
    FieldChange,
    PastMove,
    Verdicts,
    check,
    judge,
    undo,
)
from deal_service.domain.rules_try import RulesTry
from tests.configs import SPEC_PIPELINE, config_with, shipped_config
from tests.unit.test_rules_try import END, START, STRICTER, h

SHIPPED = shipped_config()
STAGES = [code for code, *_ in SPEC_PIPELINE]
ACTORS = ["mgr-1", "rop-1", None]
SIGNED = {"stage", "contact_attempts", "rop_id", "delivery_method", "failure_comment"}
"""What the signature (and the key: the stage left, the attempts) covers besides the
required-fields rules' names."""


def _personal(data: dict[str, Any]) -> None:
    """The personal plan: fewer fields asked than on the shipped one."""
    data["plan"] = "personal"


CONFIGS = [SHIPPED, STRICTER, config_with(change=_personal)]


class Recorder:
    """A deal that writes down every attribute read of it."""

    def __init__(self, deal: Deal) -> None:
        self.__dict__["_deal"] = deal
        self.__dict__["read"] = set()

    def __getattr__(self, name: str) -> Any:
        self.read.add(name)
        return getattr(self._deal, name)


def _deal(rng: random.Random, stage: str) -> Deal:
    def maybe(value: Any) -> Any:
        return value if rng.random() < 0.7 else rng.choice([None, "  "])

    contact = None
    if rng.random() < 0.8:
        contact = Contact("c-1", name=maybe("Ян"), phone=maybe("+79001112233"))
    return Deal(
        id=f"d-{rng.random()}",
        stage=stage,
        created_at=h(0),
        updated_at=h(0),
        title="Коробки",
        contact=contact,
        requirements=maybe("10 коробок"),
        amount=rng.choice([None, Decimal(0), Decimal("15000.00")]),
        subject=maybe("Поставка"),
        delivery_method=rng.choice([None, "pickup", "delivery"]),
        delivery_address=maybe("Тверская, 1"),
        failure_comment=maybe("дорого"),
        rop_id=rng.choice([None, "rop-1"]),
        responsible_id="mgr-1",
    )


def test_check_move_reads_nothing_the_signature_leaves_out() -> None:
    rng = random.Random(7)
    for config in CONFIGS:
        names = Verdicts(config).names
        covered = SIGNED | {n.split(".")[0] for n in names}
        for a, b in itertools.product(STAGES, STAGES):
            for _ in range(5):
                facts = Recorder(_deal(rng, a))
                facts.__dict__["_deal"].contact_attempts = rng.randint(0, 4)
                with contextlib.suppress(Refused, UnknownStage):  # the reads are the point
                    rules.check_move(facts, b, rng.choice(["mgr-1", "rop-1"]), None, config)
                assert facts.read <= covered, (a, b, facts.read - covered)


def _reference(past: DealPast, config: CrmConfig) -> list[ErrorBody | None]:
    """Every move checked on its own (the replay before its answers were kept)."""
    facts = copy.deepcopy(past.deal)
    found: list[ErrorBody | None] = [None] * len(past.moves)
    changes = list(past.changes)
    for i in range(len(past.moves) - 1, -1, -1):
        move = past.moves[i]
        while changes and changes[-1].at > move.at:
            undo(facts, changes.pop())
        if move.from_stage is not None:
            facts.stage, facts.contact_attempts = move.from_stage, move.attempts
            found[i] = check(facts, move, config)
    return found


def _pasts(rng: random.Random, count: int) -> list[DealPast]:
    pasts = []
    fields = ["subject", "requirements", "amount", "contact", "contact.phone", "delivery_method"]
    for n in range(count):
        path = [rng.choice(STAGES) for _ in range(rng.randint(1, 5))]
        moves = [PastMove(None, path[0], h(0), "mgr-1", "mgr-1")]
        moves += [
            PastMove(a, b, h(i + 1), rng.choice(ACTORS), "mgr-1", attempts=rng.randint(0, 3))
            for i, (a, b) in enumerate(itertools.pairwise(path))
        ]
        changes = [
            FieldChange(h(rng.uniform(0, 6)), rng.choice(fields), rng.choice([None, "0", "x"]))
            for _ in range(rng.randint(0, 3))
        ]
        changes.sort(key=lambda c: c.at)
        deal = _deal(rng, path[-1])
        deal.id = f"d-{n}"
        pasts.append(DealPast(deal, moves, changes))
    return pasts


def test_kept_answers_are_the_rules_own() -> None:
    rng = random.Random(11)
    for config in CONFIGS:
        kept = Verdicts(config)
        pasts = _pasts(rng, 400)
        for past in pasts:
            before = copy.deepcopy(past.deal)
            assert judge(past, config, kept) == _reference(past, config)
            assert past.deal == before  # the deal itself is never changed
        assert kept.checked < sum(len(p.moves) for p in pasts)


def test_the_report_is_the_same_with_answers_kept_or_not() -> None:
    pasts = _pasts(random.Random(5), 300)
    kept = RulesTry(SHIPPED, STRICTER, START, END, examples=2)
    fresh = RulesTry(SHIPPED, STRICTER, START, END, examples=2)
    for past in pasts:
        kept.add(past)
        fresh.verdicts = Verdicts(STRICTER)  # nothing kept from one deal to the next
        fresh.add(past)
    assert kept.report() == fresh.report()
