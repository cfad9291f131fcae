"""Finding a client (issue 22): a phone in any caller-id form, an e-mail, a name, a title or
a company finds the deals and contacts the actor may see, on the real database (pg_trgm)."""

from __future__ import annotations

from typing import Any

from tests.services import running
from tests.support import Client


async def _search(client: Client, actor: str, q: str) -> dict[str, Any]:
    reply = await client.request("crm.query.deal.search", {"actor_id": actor, "q": q})
    assert reply["ok"], reply
    return reply


async def test_a_caller_is_found_by_phone_email_and_words(clean: Any, client: Client) -> None:
    async with running(clean, "deal-service"):
        mine = await client.deal_for(
            "mgr-1",
            title="Поставка станков",
            company="ООО Ромашка",
            contact={"name": "Пётр Сидоров", "phone": "+7 912 345-67-89", "email": "p@x.ru"},
        )
        theirs = await client.deal_for(
            "mgr-2", title="Ремонт крыши", contact={"name": "Анна Смирнова"}
        )
        ids = lambda r: [d["id"] for d in r["deals"]]  # noqa: E731
        for q in ("8 912 345 67 89", "+7 (912) 345-67-89", "9123456789", "89123456789"):
            found = await _search(client, "mgr-1", q)
            assert found["read_as"] == "phone" and ids(found) == [mine["id"]], q
            assert found["deals"][0]["stage"] == "NEW_LEAD"
            assert [c["name"] for c in found["contacts"]] == ["Пётр Сидоров"]
        assert ids(await _search(client, "mgr-1", "P@X.RU ")) == [mine["id"]]
        assert ids(await _search(client, "mgr-1", "Сидоров")) == [mine["id"]]
        assert ids(await _search(client, "mgr-1", "станков")) == [mine["id"]]
        assert ids(await _search(client, "mgr-1", "Ромашка")) == [mine["id"]]
        assert ids(await _search(client, "mgr-1", "Сидорв")) == [mine["id"]]  # misspelt
        # ё typed as е, as most people type it (it found nothing): by word, as a prefix,
        # misspelt beside it, and the other way round
        for q in ("Петр", "петр сидоров", "Пет", "Петр Сидорв"):
            found = await _search(client, "mgr-1", q)
            assert ids(found) == [mine["id"]], q
            assert [c["name"] for c in found["contacts"]] == ["Пётр Сидоров"], q
        semen = await client.deal_for("mgr-1", title="Семена", contact={"name": "Семен Белов"})
        assert ids(await _search(client, "mgr-1", "Семён Белов")) == [semen["id"]]
        assert ids(await _search(client, "mgr-1", "100%_")) == []  # wildcards are text
        blank = await client.request("crm.query.deal.search", {"actor_id": "mgr-1", "q": "  "})
        assert blank["error"]["code"] == "invalid"
        # Another manager's deal is not theirs (access: own); the РОП sees it.
        assert await _search(client, "mgr-1", "Смирнова") == {
            "ok": True,
            "read_as": "words",
            "deals": [],
            "contacts": [],
        }
        assert ids(await _search(client, "rop-1", "Смирнова")) == [theirs["id"]]


async def test_the_contact_page_lists_the_deals_the_actor_may_see(
    clean: Any, client: Client
) -> None:
    async with running(clean, "deal-service"):
        first = await client.deal_for(
            "mgr-1", title="Первая", contact={"name": "Ян", "phone": "+79001112233"}
        )
        contact_id = first["contact"]["id"]
        # Under `access: own` a contact_id reaches only the responsible's own clients (or any
        # client for one who sees all: docs/decisions.md), so the РОП's own deal shares it.
        second = await client.deal_for("rop-1", title="Вторая", contact_id=contact_id, contact=None)
        assert second["contact"]["id"] == contact_id
        refused = await client.cmd(
            "deal.create", actor_id="rop-1", responsible_id="mgr-2", contact_id=contact_id
        )
        assert refused["error"]["code"] == "not_found", refused
        ask = lambda actor: client.request(  # noqa: E731
            "crm.query.deal.contact", {"actor_id": actor, "contact_id": contact_id}
        )
        seen = await ask("rop-1")
        assert seen["contact"]["name"] == "Ян"
        assert [d["id"] for d in seen["deals"]] == [second["id"], first["id"]]
        assert [d["id"] for d in (await ask("mgr-1"))["deals"]] == [first["id"]]
        other = await client.request(
            "crm.query.deal.contact", {"actor_id": "mgr-3", "contact_id": contact_id}
        )
        assert other["ok"] is False and other["error"]["code"] in ("forbidden", "not_found")
