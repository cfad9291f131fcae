"""deal-service's rules on the aggregate, pure and fast: one test per rule of SPEC §3 and plan."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from crm_shared.config import PLANS, UnknownStage
from crm_shared.contracts.deal import DealCreated, DealUpdated, StageChanged
from crm_shared.contracts.refusals import Refused
from deal_service.domain.contacts import Contact
from deal_service.domain.model import Deal
from deal_service.domain.rules import required_fields_for, required_on
from tests.configs import ACTIVE, FINAL, config_with
from tests.unit.deal_rules_support import (
    BASIC_MOVE,
    CONFIGS,
    OFFER_FIELDS,
    PAID,
    PRO_FIELDS,
    T0,
    full,
    move,
    new,
    refusal,
    walk,
)

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
        ("NEW_LEAD", "PROCESSING", "personal", ["contact"]),  # the seed's «Персональный»
        ("PROCESSING", "OFFER_MADE", "personal", ["contact"]),
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
    if plan in ("free", "personal"):
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
