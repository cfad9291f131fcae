"""A move with its fields (`MoveDeal.fields`): checked on the deal as filled in, applied only
if it moves, in one version and one StageChanged that names them."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from crm_shared.contracts.deal import DealUpdated, MoveRejected, StageChanged
from crm_shared.contracts.refusals import Refused
from deal_service.domain.changes import FieldChanges
from deal_service.domain.contacts import Contact
from deal_service.domain.model import Deal
from tests.unit.deal_rules_support import CONFIGS, T0, full, new

OFFER = {
    "amount": Decimal("15000.00"),
    "currency": "RUB",
    "subject": "Поставка",
    "delivery_method": "pickup",
}


def processing(plan: str = "basic") -> Deal:
    """A deal in PROCESSING with what it took to get there, and no offer fields."""
    values = {k: v for k, v in full().items() if k not in ("amount", "subject", "delivery_method")}
    deal = new(plan, **values)
    deal.move_to("PROCESSING", actor_id="mgr-1", failure_comment=None, config=CONFIGS[plan], now=T0)
    deal.events.clear()
    deal.entries.clear()
    return deal


def move(deal: Deal, to: str, plan: str = "basic", **changes: Any) -> list[str]:
    return deal.move_to(
        to,
        actor_id="mgr-1",
        failure_comment=None,
        config=CONFIGS[plan],
        now=T0 + timedelta(minutes=deal.version),
        changes=FieldChanges(**changes),
    )


def test_the_fields_a_target_needs_move_the_deal_in_one_version_and_one_event() -> None:
    deal = processing()
    version = deal.version
    changed = move(deal, "OFFER_MADE", values=OFFER)
    assert deal.stage == "OFFER_MADE" and deal.version == version + 1
    assert deal.amount == Decimal("15000.00") and deal.subject == "Поставка"
    assert changed == ["amount", "subject", "delivery_method"]  # currency was RUB already
    [event] = deal.events
    assert isinstance(event, StageChanged)
    assert event.changed == changed and event.version == deal.version
    assert event.deal.amount == Decimal("15000.00") and event.deal.stage == "OFFER_MADE"
    assert not any(isinstance(e, DealUpdated) for e in deal.events)


def test_the_rules_see_the_deal_as_filled_in_and_a_refusal_keeps_nothing() -> None:
    deal = processing()
    version, before = deal.version, deal.to_dto()
    with pytest.raises(Refused) as caught:
        move(deal, "OFFER_MADE", values={"amount": Decimal("10.00"), "subject": "Поставка"})
    assert caught.value.error.missing_fields == ["delivery_method"]
    assert deal.version == version and deal.to_dto() == before
    [event] = deal.events
    assert isinstance(event, MoveRejected) and event.deal == before


def test_contact_fields_fill_in_what_the_professional_plan_asks() -> None:
    deal = processing("professional")
    assert deal.contact is not None
    deal.contact = Contact("c-1", name=None, phone=None)
    changed = move(
        deal,
        "OFFER_MADE",
        "professional",
        values=OFFER,
        contact_values={"name": "Ян", "phone": "8 900 111-22-33"},
    )
    assert deal.contact.phone == "+79001112233" and deal.contact_changed
    assert changed[-2:] == ["contact.name", "contact.phone"]
    [event] = deal.events
    assert isinstance(event, StageChanged) and event.changed == changed


def test_a_move_without_fields_changes_only_the_stage() -> None:
    deal = new("free", contact=Contact("c-1", name="Ян"))
    assert move(deal, "PROCESSING", "free", values={}) == []
    [event] = deal.events
    assert isinstance(event, StageChanged) and event.changed == []


def test_a_field_emptied_that_the_target_needs_is_refused_as_missing() -> None:
    deal = processing()
    with pytest.raises(Refused) as caught:
        move(deal, "OFFER_MADE", values={**OFFER, "subject": "  "})
    assert caught.value.error.code.value == "missing_fields"
    assert "subject" in (caught.value.error.missing_fields or [])
    assert deal.stage == "PROCESSING" and deal.subject is None
