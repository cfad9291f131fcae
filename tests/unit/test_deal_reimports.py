"""A deal imported before, imported again after it changed in its source (issue 24 §1):
only a newer modification time updates; a stage left there is a move with its history rows
at their times and one StageChanged; what is given empty clears nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from crm_shared.contracts.deal import ImportDeal, StageChanged
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


def test_a_move_without_its_history_row_happens_at_the_modification() -> None:
    deal = Deal(id="d", stage="OFFER_MADE", created_at=T0, updated_at=day(2), version=2)
    rows = move_since(deal, cmd([("NEW_LEAD", 0), ("WON", 1)], 9), last_entry=day(2))
    assert [(r.from_stage, r.to_stage, r.at) for r in rows] == [("OFFER_MADE", "WON", day(9))]
    same = Deal(id="d", stage="WON", created_at=T0, updated_at=day(2), version=2)
    assert move_since(same, cmd([("WON", 1)], 9), last_entry=day(2)) == [] and not same.events
