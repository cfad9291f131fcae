"""Rule 4 on `Deal.update`: what no update may empty, the currency and a shared contact."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from crm_shared.contracts.refusals import Refused
from deal_service.domain.contacts import Contact
from deal_service.domain.model import Deal
from tests.configs import config_with

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
PRO = config_with("professional")
BASIC = config_with("basic")
PHONE = "+79001112233"


def deal(stage: str, contact: Contact | None = None, **values: object) -> Deal:
    """A deal standing in `stage` with every field a professional plan requires."""
    return Deal(
        id="d-b",
        stage=stage,
        created_at=T0,
        updated_at=T0,
        contact=contact,
        requirements="r",
        amount=Decimal("1.00"),
        subject="s",
        delivery_method="pickup",
        **values,  # type: ignore[arg-type]
    )


def refused(d: Deal, *args: object, **kw: object) -> tuple[str, list[str] | None, str]:
    version = d.version
    with pytest.raises(Refused) as caught:
        d.update(*args, now=T0, **kw)  # type: ignore[arg-type]
    assert d.version == version and d.events == []
    err = caught.value.error
    return err.code.value, err.missing_fields, err.message


def test_emptying_the_currency_a_stage_requires_names_it_as_missing() -> None:
    d = deal("OFFER_MADE", Contact("c-1", name="Ян", phone=PHONE))
    for blank in (None, "  "):
        code, missing, _ = refused(d, {"currency": blank}, {}, config=BASIC)
        assert (code, missing) == ("missing_fields", ["currency"])
    assert d.currency == "RUB"
    # Where no stage requires it, a deal still has a currency: a bad value, not a missing one.
    d = deal("NEW_LEAD")
    code, missing, message = refused(d, {"currency": None}, {}, config=BASIC)
    assert (code, missing) == ("invalid", None) and "currency" in message


def test_a_shared_contact_keeps_what_another_open_deal_requires() -> None:
    """Deal B (NEW_LEAD) shares its contact with A (OFFER_MADE, professional): B may not
    empty the phone or name that A's stage requires, and the refusal names A."""
    contact = Contact("c-1", name="Ян", phone=PHONE)
    b = deal("NEW_LEAD", replace(contact))
    a_stands = [("d-a", "OFFER_MADE")]
    code, missing, message = refused(
        b, {}, {"phone": None, "name": " "}, config=PRO, sharing=a_stands
    )
    assert (code, missing) == ("missing_fields", ["contact.phone", "contact.name"])
    assert "d-a" in message and "OFFER_MADE" in message
    assert b.contact == contact
    # Closed deals and stages that need no contact fields do not hold the contact.
    for stage in ("WON", "LOST_SPAM", "PROCESSING"):
        b = deal("NEW_LEAD", replace(contact))
        changed = b.update({}, {"phone": None}, config=PRO, now=T0, sharing=[("d-a", stage)])
        assert changed == ["contact.phone"], stage
    # Other fields of the contact, and the deal's own, change as ever.
    b = deal("NEW_LEAD", replace(contact))
    changed = b.update(
        {"title": "Новая"}, {"email": "yan@example.ru"}, config=PRO, now=T0, sharing=a_stands
    )
    assert changed == ["title", "contact.email"]


def test_a_contact_attached_by_an_update_is_held_as_well() -> None:
    """A deal without a contact that finds A's contact by its phone may not blank its name."""
    b = deal("NEW_LEAD")
    found = Contact("c-1", name="Ян", phone=PHONE)
    code, missing, _ = refused(
        b,
        {},
        {"phone": PHONE, "name": None},
        config=PRO,
        attach=found,
        sharing=[("d-a", "PAYMENT_RECEIVED")],
    )
    assert (code, missing) == ("missing_fields", ["contact.name"])
    assert b.contact is None and found.name == "Ян"
