"""A deal imported before, imported again after it changed in its source (issue 24 §1):
only a newer modification time updates; a stage left there is a move with its history rows
at their times and one StageChanged; what is not given clears nothing, what is listed as
`cleared` (empty in the source) is emptied, a field the stage requires too (reported)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from crm_shared.config import load_config
from crm_shared.contracts.deal import DealUpdated, ImportDeal, StageChanged
from crm_shared.contracts.refusals import Refused
from deal_service.domain.contacts import Contact
from deal_service.domain.imports import missing_on_stage
from deal_service.domain.model import Deal
from deal_service.domain.reimports import given_values, move_since, newer

T0 = datetime(2026, 3, 1, 7, 0, tzinfo=UTC)


def day(n: int) -> datetime:
    return T0 + timedelta(days=n)


def cmd(stages: list[tuple[str, int]], modified: int | None, **values: Any) -> ImportDeal:
    return ImportDeal(
        actor_id="rop-1",
        source="bitrix24",
        external_id="deal-1",
        contact={"name": "Ян", "phone": "+79001112233"},
        created_at=T0,
        modified_at=day(modified) if modified is not None else None,
        history=[{"stage": s, "at": day(n)} for s, n in stages],
        **values,
    )


def test_only_a_newer_modification_updates() -> None:
    later = cmd([("NEW_LEAD", 0)], 5)
    assert newer(later, day(4)) and newer(later, None)
    assert not newer(later, day(5)) and not newer(later, day(6))
    assert not newer(cmd([("NEW_LEAD", 0)], None), None)


def test_the_values_given_and_none_of_the_empty_ones() -> None:
    values, contact = given_values(cmd([("NEW_LEAD", 0)], 1, title="Т", delivery_method="pickup"))
    assert values == {"title": "Т", "delivery_method": "pickup"}
    assert contact == {"name": "Ян", "phone": "+79001112233"}


def test_a_stage_left_there_is_a_move_here_through_the_stages_it_went() -> None:
    deal = Deal(id="d", stage="OFFER_MADE", created_at=T0, updated_at=day(2), version=2)
    stages = [("NEW_LEAD", 0), ("OFFER_MADE", 2), ("ANSWER_RECEIVED", 6), ("INVOICE_SENT", 7)]
    rows = move_since(deal, cmd(stages, 8), last_entry=day(2))
    assert [(r.from_stage, r.to_stage, r.version, r.at) for r in rows] == [
        ("OFFER_MADE", "ANSWER_RECEIVED", 3, day(6)),
        ("ANSWER_RECEIVED", "INVOICE_SENT", 4, day(7)),
    ]
    assert (deal.stage, deal.version, deal.updated_at) == ("INVOICE_SENT", 4, day(7))
    [event] = deal.events
    assert isinstance(event, StageChanged)
    assert (event.from_stage, event.to_stage, event.version) == (
        "ANSWER_RECEIVED",
        "INVOICE_SENT",
        4,
    )
    assert event.imported  # its task is due from now, not from day 7 (task-service)


def test_a_move_without_its_history_row_happens_at_the_modification() -> None:
    deal = Deal(id="d", stage="OFFER_MADE", created_at=T0, updated_at=day(2), version=2)
    rows = move_since(deal, cmd([("NEW_LEAD", 0), ("WON", 1)], 9), last_entry=day(2))
    assert [(r.from_stage, r.to_stage, r.at) for r in rows] == [("OFFER_MADE", "WON", day(9))]
    same = Deal(id="d", stage="WON", created_at=T0, updated_at=day(2), version=2)
    assert move_since(same, cmd([("WON", 1)], 9), last_entry=day(2)) == [] and not same.events


def test_the_fields_cleared_there_are_given_as_none() -> None:
    cleared = cmd([("NEW_LEAD", 0)], 1, title="Т", cleared=["subject", "contact.segment"])
    values, contact = given_values(cleared)
    assert values == {"title": "Т", "subject": None}
    assert contact == {"name": "Ян", "phone": "+79001112233", "segment": None}


@pytest.mark.parametrize(
    "cleared",
    [["title"], ["contact.name"], ["responsible_id"], ["subject", "subject"], ["currency"]],
)
def test_only_a_clearable_field_not_given_is_cleared(cleared: list[str]) -> None:
    with pytest.raises(ValidationError):  # given, the contact's identity, a person, twice
        cmd([("NEW_LEAD", 0)], 1, title="Т", cleared=cleared)


def test_a_required_field_emptied_there_is_emptied_here_and_reported_missing() -> None:
    config = load_config()
    contact = Contact(id="c", name="Ян", phone="+79001112233", segment="опт")
    deal = Deal(
        id="d", stage="OFFER_MADE", created_at=T0, updated_at=day(2), version=2,
        contact=contact, requirements="20 коробок", amount=Decimal(10), subject="коробки",
        delivery_method="pickup", title="Сделка",
    )  # fmt: skip
    assert missing_on_stage(config, deal) == []
    values, person = given_values(cmd([("OFFER_MADE", 2)], 3, cleared=["subject", "title"]))
    values |= {"amount": Decimal(12)}
    with pytest.raises(Refused):  # an update by hand may not empty what the stage requires
        deal.copy().update(values, person, config=config, now=day(3))
    changed = deal.update(values, person, config=config, now=day(3), kept=False)
    assert sorted(changed) == ["amount", "subject", "title"]
    assert (deal.subject, deal.title, deal.amount, deal.version) == (None, None, 12, 3)
    [event] = deal.events
    assert isinstance(event, DealUpdated) and sorted(event.changed) == sorted(changed)
    assert event.deal.subject is None and event.deal.title is None
    assert missing_on_stage(config, deal) == ["subject"]
    _, person = given_values(cmd([("OFFER_MADE", 2)], 4, cleared=["contact.segment"]))
    assert deal.update({}, person, config=config, now=day(4), kept=False) == ["contact.segment"]
    assert deal.contact is not None and deal.contact.segment is None
