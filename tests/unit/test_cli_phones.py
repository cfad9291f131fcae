"""`crm deal show` and `crm deal list` say the client's phone as people read it: the card
printed the kept «+79125550101», and the list left a phone-only client as «—»."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

from rich.console import Console

from crm_cli.render import deal_panel, deals_table

AT = datetime(2026, 12, 7, 9, 0, tzinfo=UTC).isoformat()


def _render(table: Any) -> str:
    console = Console(width=120, record=True, file=io.StringIO())
    console.print(table)
    return console.export_text()


def _deal(contact: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": "0b5e1e7e-0000-4000-8000-000000000001", "version": 1, "stage": "NEW_LEAD",
        "title": "Поддоны для склада", "contact": contact, "created_at": AT, "updated_at": AT,
    }  # fmt: skip


def test_the_card_shows_the_phone_as_read() -> None:
    card = _render(deal_panel(_deal({"name": "Ольга", "phone": "+79125550101"})))
    assert "Ольга, +7 912 555-01-01" in card and "+79125550101" not in card, card


def test_the_list_names_a_phone_only_client_by_the_phone() -> None:
    listed = _render(deals_table([_deal({"phone": "+79125550101"})], width=120))
    assert "+7 912 555-01-01" in listed, listed
