"""Contacts under `access: own`: a manager who makes a deal on another manager's client's
phone gets a contact of their own (nothing of the other's record is shown, and their edits
never reach the other deal); a contact id of another manager's client is not found; the
РОП's deals and a manager's own deals share one contact as before (docs/decisions.md)."""

from __future__ import annotations

from typing import Any

from tests.services import running
from tests.support import Client

PHONE = "+79005554433"


async def test_another_managers_client_is_neither_shown_nor_shared(
    clean: Any, client: Client
) -> None:
    async with running(clean, "deal-service"):
        theirs = await client.cmd(
            "deal.create",
            actor_id="mgr-2",
            contact={"name": "Клиент Марии", "phone": PHONE, "email": "secret@example.com"},
        )
        assert theirs["ok"], theirs
        their_contact = theirs["deal"]["contact"]

        mine = await client.cmd(
            "deal.create", actor_id="mgr-1", contact={"name": "Мой клиент", "phone": PHONE}
        )
        assert mine["ok"], mine
        contact = mine["deal"]["contact"]
        assert contact["id"] != their_contact["id"]
        assert contact["name"] == "Мой клиент" and not contact.get("email")

        # A contact id of hers is as if there were none.
        by_id = await client.cmd(
            "deal.create", actor_id="mgr-1", contact_id=their_contact["id"], title="чужой"
        )
        assert by_id["error"]["code"] == "not_found", by_id

        # His edits change his contact only; her deal is as it was.
        edited = await client.cmd(
            "deal.update",
            actor_id="mgr-1",
            deal_id=mine["deal"]["id"],
            fields={"contact": {"name": "Переименован"}},
        )
        assert edited["ok"], edited
        hers = await client.request(
            "crm.query.deal.get", {"actor_id": "mgr-2", "deal_id": theirs["deal"]["id"]}
        )
        assert hers["deal"]["contact"]["name"] == "Клиент Марии"
        assert hers["deal"]["version"] == theirs["deal"]["version"]

        # His second deal on the phone is his client again; the РОП's deal for Мария hers.
        again = await client.cmd(
            "deal.create", actor_id="mgr-1", contact={"name": "Снова", "phone": PHONE}
        )
        assert again["deal"]["contact"]["id"] == contact["id"]
        for_her = await client.cmd(
            "deal.create",
            actor_id="rop-1",
            responsible_id="mgr-2",
            contact={"name": "Через РОПа", "phone": PHONE},
        )
        assert for_her["deal"]["contact"]["id"] == their_contact["id"]
