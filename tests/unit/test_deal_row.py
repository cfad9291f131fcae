"""deal-service writes a deal's columns as the deal holds them, its contact as its id."""

from __future__ import annotations

from deal_service.adapters.repository import _ATTRIBUTE, DEAL_COLUMNS, deal_columns
from deal_service.domain.model import Deal
from tests.unit.deal_rules_support import full, new


def _by_hand(deal: Deal) -> list[object]:
    return [
        (deal.contact.id if deal.contact is not None else None)
        if column == "contact_id"
        else getattr(deal, _ATTRIBUTE.get(column, column))
        for column in DEAL_COLUMNS
    ]


def test_a_row_is_the_deals_columns_in_order_with_the_contacts_id() -> None:
    deal = new(**full(comment="с сайта"))
    assert deal.contact is not None
    row = deal_columns(deal)
    assert row == _by_hand(deal)
    assert row[DEAL_COLUMNS.index("contact_id")] == deal.contact.id
    assert row[DEAL_COLUMNS.index("lead_comment")] == "с сайта"
    deal.contact = None
    assert deal_columns(deal)[DEAL_COLUMNS.index("contact_id")] is None
