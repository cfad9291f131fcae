"""deal-service's rules 5-7 on the aggregate (failure comment, attempts and the РОП, the
way to WON) and unknown or same-stage moves; rules 1-4 are in test_deal_rules."""

from __future__ import annotations

import pytest

from crm_shared.config import PLANS
from crm_shared.contracts.deal import DealUpdated, MoveRejected
from crm_shared.contracts.refusals import Refused
from deal_service.domain.model import MAX_SHOWN_ATTEMPTS, Deal
from tests.configs import config_with
from tests.unit.deal_rules_support import (
    CONFIGS,
    PATH,
    T0,
    full,
    move,
    new,
    refusal,
    walk,
)


@pytest.mark.parametrize("plan", PLANS)
def test_rule_5_failure_comment(plan: str) -> None:
    for stage in ("LOST_NOT_FIT", "LOST_EXPENSIVE", "LOST_OTHER"):
        deal = new(plan)
        assert refusal(deal, stage, plan) == ("missing_fields", ["failure_comment"])
        assert refusal(deal, stage, plan, failure_comment="   ") == (
            "missing_fields",
            ["failure_comment"],
        )
        move(deal, stage, plan, failure_comment="не наш клиент")
        assert deal.failure_comment == "не наш клиент"
        with pytest.raises(Refused) as caught:  # and it stays
            deal.update({"failure_comment": " "}, {}, config=CONFIGS[plan], now=T0)
        assert caught.value.error.missing_fields == ["failure_comment"]
    move(new(plan), "LOST_SPAM", plan)  # no comment needed, no fields either


# --- rule 6: three attempts on the current stage, and the РОП ------------------------------


def attempt(deal: Deal, n: int, plan: str = "basic") -> None:
    for i in range(n):
        deal.log_contact_attempt(actor_id="mgr-1", note=f"звонок {i}", config=CONFIGS[plan], now=T0)


@pytest.mark.parametrize("plan", PLANS)
def test_rule_6_needs_three_attempts_and_the_rop(plan: str) -> None:
    deal = new(plan, rop_id="rop-1")
    for actor in ("rop-1", "mgr-1"):  # not even the РОП without the attempts
        assert refusal(deal, "LOST_NO_CONTACT", plan, actor=actor) == (
            "missing_fields",
            ["contact_attempts"],
        )
    attempt(deal, 2, plan)
    assert refusal(deal, "LOST_NO_CONTACT", plan)[1] == ["contact_attempts"]
    attempt(deal, 1, plan)
    assert deal.contact_attempts == 3 and [a.note for a in deal.attempts][-1] == "звонок 0"
    assert refusal(deal, "LOST_NO_CONTACT", plan, actor="mgr-1") == ("rop_approval_required", None)
    assert refusal(deal, "LOST_NO_CONTACT", plan, actor="rop-2") == ("rop_approval_required", None)
    rejected = deal.events[-1]
    assert isinstance(rejected, MoveRejected) and rejected.deal is not None
    assert [a.note for a in rejected.deal.attempts] == ["звонок 0", "звонок 1", "звонок 0"]
    move(deal, "LOST_NO_CONTACT", plan, actor="rop-1")  # the РОП agrees by making the move
    assert deal.stage == "LOST_NO_CONTACT"


def test_rule_6_the_count_starts_again_on_another_stage() -> None:
    deal = new(**full())
    attempt(deal, 3)
    assert deal.version == 4 and isinstance(deal.events[-1], DealUpdated)
    move(deal, "PROCESSING")
    assert deal.contact_attempts == 0 and deal.attempts == []
    assert refusal(deal, "LOST_NO_CONTACT", actor="rop-1")[1] == ["contact_attempts"]
    attempt(deal, 3)
    move(deal, "LOST_NO_CONTACT", actor="rop-1")


def test_rule_6_without_a_rop_any_rop_agrees_and_attempts_are_logged() -> None:
    deal = new("free")
    assert deal.rop_id is None
    attempt(deal, MAX_SHOWN_ATTEMPTS + 2, "free")
    assert deal.contact_attempts == MAX_SHOWN_ATTEMPTS + 2
    assert len(deal.attempts) == MAX_SHOWN_ATTEMPTS  # the payload lists the latest
    assert len(deal.logged) == MAX_SHOWN_ATTEMPTS + 2  # the log keeps every one
    assert refusal(deal, "LOST_NO_CONTACT", "free")[0] == "rop_approval_required"
    move(deal, "LOST_NO_CONTACT", "free", actor="rop-1")
    with pytest.raises(Refused, match="closed"):
        attempt(deal, 1, "free")


def test_rule_6_can_be_switched_to_attempts_only() -> None:
    config = config_with(
        "basic", lambda d: d["pipeline"]["rules"]["contact_attempts"].update(rop_must_agree=False)
    )
    deal = new()
    attempt(deal, 3)
    deal.move_to("LOST_NO_CONTACT", actor_id="mgr-1", failure_comment=None, config=config, now=T0)


# --- rule 7: delivery, and WON only after payment -------------------------------------------


@pytest.mark.parametrize("plan", PLANS)
def test_rule_7_routes_to_won(plan: str) -> None:
    pickup, delivery = new(plan, **full()), new(plan, **full(delivery_method="delivery"))
    assert refusal(pickup, "WON", plan)[0] == "transition_not_allowed"  # from NEW_LEAD: never
    walk(pickup, PATH[:-1], plan)
    walk(delivery, PATH, plan)
    assert refusal(pickup, "WON", plan)[0] == "transition_not_allowed"  # before the payment
    move(pickup, "PAYMENT_RECEIVED", plan)
    assert refusal(pickup, "ORDER_SHIPPED", plan)[0] == "transition_not_allowed"
    assert refusal(delivery, "WON", plan)[0] == "transition_not_allowed"
    move(pickup, "WON", plan)
    move(delivery, "ORDER_SHIPPED", plan)
    move(delivery, "WON", plan)
    assert (pickup.stage, delivery.stage) == ("WON", "WON")
    assert refusal(pickup, "PROCESSING", plan)[0] == "transition_not_allowed"  # closed


def test_rule_7_the_seed_hole_a_bare_lead_cannot_jump_to_won() -> None:
    deal = new(delivery_method="pickup")
    assert refusal(deal, "WON") == ("transition_not_allowed", None)


def test_unknown_and_same_stage() -> None:
    deal = new()
    code, _ = refusal(deal, "NOWHERE")
    assert code == "invalid"
    assert refusal(deal, "NEW_LEAD")[0] == "transition_not_allowed"
