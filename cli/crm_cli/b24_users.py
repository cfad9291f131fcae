"""The Bitrix24 users who are responsible for deals and are not mapped to one of ours.

Their deals still come over, but get a responsible by turns, as new leads do: a manager's
whole client base can land on someone else. The plan (`--plan`) and the import warn of each,
with their deals' count, and say how to keep the deals with their managers; unlike an
unmapped stage, nothing is lost, so the import goes on. Pure but for `tell`.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from rich.markup import escape

from crm_cli.b24_fields import to_of
from crm_cli.b24_mapping import user_name
from crm_cli.b24_stages import DEALS
from crm_cli.ui import err
from crm_shared.locale.imports import line
from crm_shared.locale.words import count


def unmapped(
    users: list[dict[str, Any]], deals: list[dict[str, Any]], mapping: dict[str, Any]
) -> dict[str, dict[str, Any]]:
    """Each Bitrix24 user deals are assigned to that the mapping does not map: `{"name",
    "deals"}`, most deals first."""
    names = {str(u.get("ID")): user_name(u) for u in users}
    held = Counter(str(d.get("ASSIGNED_BY_ID")) for d in deals if d.get("ASSIGNED_BY_ID"))
    order = sorted(held, key=lambda u: (-held[u], u))
    return {
        user: {"name": names.get(user) or "", "deals": held[user]}
        for user in order
        if to_of(mapping, "users", user) is None
    }


def said(users: dict[str, dict[str, Any]]) -> list[str]:
    """The warning, a line a user («  Иван Петров (№ 7 в Битрикс24) — 12 сделок»), and what
    to do."""
    lines = [line("unmapped_users")]
    for user, u in users.items():
        who = escape(u["name"]) if u["name"] else line("user_unnamed")
        lines.append(
            line("unmapped_user", name=who, id=escape(user), deals=count(u["deals"], *DEALS))
        )
    return [*lines, line("unmapped_users_how")]


def tell(users: dict[str, dict[str, Any]]) -> None:
    """The warning on stderr, when there is anything to warn of."""
    if users:
        for said_line in said(users):
            err().print(said_line)
