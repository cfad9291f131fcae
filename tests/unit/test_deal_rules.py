"""deal-service's rules on the aggregate, pure and fast: one test per rule of SPEC §3 and plan."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from crm_shared.commands import Refused
from crm_shared.config import PLANS, UnknownStage
from crm_shared.events import DealCreated, DealUpdated, MoveRejected, StageChanged
from deal_service.domain.contacts import Contact
from deal_service.domain.model import MAX_SHOWN_ATTEMPTS, Deal
from deal_service.domain.rules import required_fields_for, required_on
from tests.configs import ACTIVE, FINAL, config_with

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
PAID = ("basic", "standard", "professional")
BASIC_MOVE = ["contact", "requirements"]
OFFER_FIELDS = ["amount", "currency", "subject", "delivery_method"]
PRO_FIELDS = ["contact.phone", "contact.name"]
PATH = ["PROCESSING", "OFFER_MADE", "ANSWER_RECEIVED", "INVOICE_SENT", "PAYMENT_RECEIVED"]
CONFIGS = {plan: config_with(plan) for plan in PLANS}


def full(**over: Any) -> dict[str, Any]:
    """Every field any plan requires."""
    values: dict[str, Any] = {
        "contact": Contact("c-1", name="Ян", phone="+79001112233"),
        "requirements": "10 коробок",
        "amount": Decimal("15000.00"),
        "subject": "Поставка",
        "delivery_method": "pickup",
    }
    return {**values, **over}


def new(plan: str = "basic", **values: Any) -> Deal:
    values.setdefault("contact", None)
    deal = Deal.open(
        CONFIGS[plan], now=T0, actor_id="mgr-1", responsible_id="mgr-1", deal_id="d-1", **values
    )
    deal.events.clear()
    deal.entries.clear()
    return deal


def move(deal: Deal, to: str, plan: str = "basic", actor: str = "mgr-1", **kw: Any) -> None:
    deal.move_to(
        to,
        actor_id=actor,
        failure_comment=kw.get("failure_comment"),
        config=CONFIGS[plan],
        now=T0 + timedelta(minutes=deal.version),
    )


def refusal(deal: Deal, to: str, plan: str = "basic", **kw: Any) -> tuple[str, list[str] | None]:
    version, stage, entries = deal.version, deal.stage, len(deal.entries)
    with pytest.raises(Refused) as caught:
        move(deal, to, plan, **kw)
    assert (deal.version, deal.stage, len(deal.entries)) == (version, stage, entries)
    rejected = deal.events[-1]
    assert isinstance(rejected, MoveRejected) and rejected.deal is not None
    return caught.value.error.code.value, caught.value.error.missing_fields


def walk(deal: Deal, stages: list[str], plan: str = "basic") -> None:
    for stage in stages:
        move(deal, stage, plan)


# --- the aggregate itself ------------------------------------------------------------------


def test_open_raises_created_and_entry_and_applies_the_rop_robot() -> None:  # rule 1, rule 8
    for plan in PLANS:
        deal = Deal.open(
            CONFIGS[plan], now=T0, actor_id=None, contact=None, responsible_id="mgr-1",
            comment="перезвоните после обеда",
        )  # fmt: skip
        assert deal.stage == "NEW_LEAD" and deal.version == 1
        assert deal.rop_id == ("rop-1" if plan in PAID else None)
        created, entered = deal.events
        assert (
            isinstance(created, DealCreated) and created.deal.comment == "перезвоните после обеда"
        )
        assert isinstance(entered, StageChanged) and entered.from_stage is None
        assert [e.from_stage for e in deal.entries] == [None]
    given = Deal.open(CONFIGS["basic"], now=T0, actor_id=None, contact=None, responsible_id=None,
                      rop_id="rop-2")  # fmt: skip
    assert given.rop_id == "rop-2"


def test_a_move_bumps_the_version_and_raises_stage_changed() -> None:
    deal = new(**full())
    move(deal, "PROCESSING")
    assert deal.version == 2 and deal.stage == "PROCESSING"
    [changed] = deal.events
    assert isinstance(changed, StageChanged)
    assert (changed.from_stage, changed.to_stage, changed.version) == ("NEW_LEAD", "PROCESSING", 2)
    assert changed.deal.stage == "PROCESSING"


# --- rule 4: required fields ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("from_code", "to_code", "plan", "fields"),
    [
        ("NEW_LEAD", "PROCESSING", "free", ["contact"]),
        ("NEW_LEAD", "PROCESSING", "basic", BASIC_MOVE),
        ("NEW_LEAD", "PROCESSING", "standard", BASIC_MOVE),
        ("NEW_LEAD", "PROCESSING", "professional", BASIC_MOVE),
        ("PROCESSING", "OFFER_MADE", "free", ["contact"]),
        ("PROCESSING", "OFFER_MADE", "basic", BASIC_MOVE + OFFER_FIELDS),
        ("PROCESSING", "OFFER_MADE", "standard", BASIC_MOVE + OFFER_FIELDS),
        ("PROCESSING", "OFFER_MADE", "professional", BASIC_MOVE + OFFER_FIELDS + PRO_FIELDS),
        # Skipping stages forward is held by every rule it passes; WON is a forward move.
        ("NEW_LEAD", "INVOICE_SENT", "professional", BASIC_MOVE + OFFER_FIELDS + PRO_FIELDS),
        ("PAYMENT_RECEIVED", "ORDER_SHIPPED", "standard", BASIC_MOVE + OFFER_FIELDS),
        ("NEW_LEAD", "WON", "free", ["contact"]),
        ("PAYMENT_RECEIVED", "WON", "basic", BASIC_MOVE + OFFER_FIELDS),
        # Backwards and standing still hold nothing.
        ("OFFER_MADE", "PROCESSING", "professional", []),
        ("ORDER_SHIPPED", "NEW_LEAD", "basic", []),
        ("PROCESSING", "PROCESSING", "professional", []),
    ],
)
def test_required_fields_for(from_code: str, to_code: str, plan: Any, fields: list[str]) -> None:
    assert required_fields_for(from_code, to_code, CONFIGS[plan], plan) == fields


@pytest.mark.parametrize("plan", PLANS)
def test_failure_stages_are_never_held_by_fields(plan: Any) -> None:
    failures = [code for code in FINAL if code != "WON"]
    for from_code in ACTIVE:
        for to_code in failures:
            assert required_fields_for(from_code, to_code, CONFIGS[plan]) == []
    assert required_on("LOST_SPAM", CONFIGS[plan]) == []
    with pytest.raises(UnknownStage):
        required_fields_for("NEW_LEAD", "SOMEWHERE", CONFIGS[plan])


def test_required_fields_have_no_duplicates() -> None:
    def extra_rule(data: dict[str, Any]) -> None:
        data["pipeline"]["rules"]["required_fields"].append(
            {"after": "OFFER_MADE", "fields": ["contact", "subject", "contact.name"]}
        )

    config = config_with("professional", extra_rule)
    assert required_fields_for("NEW_LEAD", "ANSWER_RECEIVED", config) == (
        BASIC_MOVE + OFFER_FIELDS + PRO_FIELDS
    )
    assert required_fields_for("NEW_LEAD", "ANSWER_RECEIVED", config, "free") == [
        "contact",
        "subject",
        "contact.name",
    ]


@pytest.mark.parametrize("plan", PLANS)
def test_rule_4_each_plan_names_every_missing_field(plan: str) -> None:
    deal = new(plan)
    want = BASIC_MOVE if plan in PAID else ["contact"]
    assert refusal(deal, "PROCESSING", plan) == ("missing_fields", want)
    deal.contact = Contact("c-1", name="Олег")
    deal.requirements = "r"
    move(deal, "PROCESSING", plan)
    if plan == "free":
        move(deal, "OFFER_MADE", plan)
        return
    want = ["amount", "subject", "delivery_method"]  # currency defaults to RUB
    if plan == "professional":
        want.append("contact.phone")  # the name is there
    assert refusal(deal, "OFFER_MADE", plan) == ("missing_fields", want)


def test_rule_4_holds_a_skip_to_won_by_every_rule_it_passes() -> None:
    off = config_with("basic", lambda d: d["pipeline"]["rules"].update(delivery=None))
    deal = new(delivery_method="pickup")
    with pytest.raises(Refused) as caught:
        deal.move_to("WON", actor_id="mgr-1", failure_comment=None, config=off, now=T0)
    assert caught.value.error.missing_fields == ["contact", "requirements", "amount", "subject"]


def test_rule_4_blank_values_are_not_values() -> None:
    deal = new(**full(requirements="   ", subject=" \t"))
    assert refusal(deal, "OFFER_MADE") == ("missing_fields", ["requirements", "subject"])
    deal = new(**full(amount=Decimal("0.00")))
    assert refusal(deal, "OFFER_MADE") == ("missing_fields", ["amount"])


def test_rule_4_an_update_cannot_empty_what_the_stage_requires() -> None:
    config = CONFIGS["basic"]
    deal = new(**full())
    walk(deal, ["PROCESSING", "OFFER_MADE"])
    deal.events.clear()
    version = deal.version
    for values in ({"subject": None}, {"subject": "  "}, {"amount": None}):
        with pytest.raises(Refused) as caught:
            deal.update(values, {}, config=config, now=T0)
        assert caught.value.error.code.value == "missing_fields"
        assert caught.value.error.missing_fields == list(values)
    assert deal.subject == "Поставка" and deal.version == version and deal.events == []
    # what the stage does not require may be emptied; a no-op changes nothing
    assert deal.update({"company": None, "title": "Новое"}, {}, config=config, now=T0) == ["title"]
    assert deal.update({"title": "Новое"}, {}, config=config, now=T0) == []
    [updated] = deal.events
    assert isinstance(updated, DealUpdated) and updated.changed == ["title"]
    assert deal.version == version + 1
    # back in NEW_LEAD nothing is required, so the field may go
    move(deal, "NEW_LEAD")
    assert deal.update({"subject": None}, {}, config=config, now=T0) == ["subject"]


def test_rule_4_professional_contact_fields_cannot_be_emptied() -> None:
    config = CONFIGS["professional"]
    deal = new("professional", **full())
    walk(deal, ["PROCESSING", "OFFER_MADE"], "professional")
    with pytest.raises(Refused) as caught:
        deal.update({}, {"phone": None}, config=config, now=T0)
    assert caught.value.error.missing_fields == ["contact.phone"]
    assert deal.contact is not None and deal.contact.phone == "+79001112233"
    changed = deal.update({}, {"phone": "8 900 111-22-44"}, config=config, now=T0)
    assert changed == ["contact.phone"] and deal.contact.phone == "+79001112244"
    assert deal.contact_changed


# --- rule 5: failure comment ---------------------------------------------------------------


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
