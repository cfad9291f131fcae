"""The Bitrix24 users responsible for deals that a plan leaves unmapped: their deals would get a
responsible by turns, so `crm import bitrix24` (and its --plan) warns of each, with the
deals' count; the import still goes on (nothing is lost). Pure, no servers."""

from __future__ import annotations

from typing import Any

from rich.text import Text

from crm_cli.b24_mapping import plan
from crm_cli.b24_users import said, unmapped
from crm_shared.config import load_config
from tests.locale_support import english

OURS = load_config().users[0]
USERS: list[dict[str, Any]] = [
    {"ID": "1", "NAME": OURS.name.split()[0], "LAST_NAME": " ".join(OURS.name.split()[1:])},
    {"ID": "7", "NAME": "Иван", "LAST_NAME": "Петров"},
    {"ID": "8", "NAME": "Ольга", "LAST_NAME": "Сидорова"},
]
DEALS: list[dict[str, Any]] = [{"ID": str(i), "ASSIGNED_BY_ID": "7"} for i in range(5)]
DEALS += [{"ID": "10", "ASSIGNED_BY_ID": "1"}, {"ID": "11", "ASSIGNED_BY_ID": "9"}]
DEALS += [{"ID": "12", "ASSIGNED_BY_ID": None}]


def test_an_unmapped_user_with_deals_is_named_with_their_count() -> None:
    mapping = plan(load_config(), [], USERS, DEALS)
    assert mapping["users"]["1"]["to"] == OURS.id  # matched by name
    found = unmapped(USERS, DEALS, mapping)
    # Ольга holds no deal; user 9 is not in the portal's list of users
    assert found == {"7": {"name": "Иван Петров", "deals": 5}, "9": {"name": "", "deals": 1}}
    lines = said(found)
    assert lines[1] == "  Иван Петров (№ 7 в Битрикс24) — 5 сделок"
    assert lines[2] == "  без имени (№ 9 в Битрикс24) — 1 сделка"
    assert "по очереди" in lines[0] and "`users`" in lines[-1]
    shown = "\n".join(Text.from_markup(x).plain for x in lines)  # as the terminal shows it
    assert not english(shown.replace("`to`", "").replace("`users`", "")), shown


def test_nothing_is_said_when_every_user_with_deals_is_mapped() -> None:
    mapping = {"users": {"7": {"to": "mgr-1"}, "1": {"to": "mgr-2"}, "9": {"to": "mgr-1"}}}
    assert unmapped(USERS, DEALS, mapping) == {}
