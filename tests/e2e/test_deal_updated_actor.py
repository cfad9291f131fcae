"""DealUpdated says who made the change (`actor_id`), on the real deal-service: the РОП who
gives a deal to another, the manager who logs a contact attempt, who changed a shared contact
through another deal (on each other deal's event) or moved a deal filling the contact in,
and the РОП who erased the contact. The notifier reads it not to tell a person of their own
handover (tests/e2e/test_deal_handover.py)."""

from __future__ import annotations

from typing import Any

from tests.configs import config_with
from tests.services import running
from tests.support import Client, Recorder, eventually

ROP, IVAN, MARIA = "rop-1", "mgr-1", "mgr-2"


async def _told(updates: Recorder, deal_id: str, n: int) -> list[dict[str, Any]] | None:
    """The DealUpdated events of `deal_id` recorded, once there are `n` of them."""
    told = [d for d in updates.data("crm.deal.updated") if d["deal"]["id"] == deal_id]
    return told if len(told) >= n else None


async def test_each_dealupdated_names_the_person_who_made_the_change(
    clean: Any, client: Client
) -> None:
    updates = await client.record("crm.deal.updated")
    async with running(clean, "deal-service", config=config_with("basic")):
        a = await client.deal_for(IVAN, contact={"name": "Ольга", "phone": "+79120000007"})
        made = await client.cmd(
            "deal.create", actor_id=IVAN, contact_id=a["contact"]["id"], title="Второй заказ"
        )
        assert made["ok"], made
        b = made["deal"]

        given = await client.cmd(
            "deal.update", actor_id=ROP, deal_id=a["id"], fields={"responsible_id": MARIA}
        )
        assert given["ok"], given
        [handover] = await eventually(lambda: _told(updates, a["id"], 1))
        assert handover["changed"] == ["responsible_id"]
        assert (handover["actor_id"], handover["previous_responsible_id"]) == (ROP, IVAN)

        tried = await client.cmd("deal.contact_attempt", actor_id=MARIA, deal_id=a["id"])
        assert tried["ok"], tried
        attempt = (await eventually(lambda: _told(updates, a["id"], 2)))[1]
        assert attempt["changed"] == ["contact_attempts"] and attempt["actor_id"] == MARIA

        # Иван renames the shared contact through his deal B: A's own event names him too.
        renamed = await client.cmd(
            "deal.update", actor_id=IVAN, deal_id=b["id"],
            fields={"contact": {"name": "Ольга Петрова"}},
        )  # fmt: skip
        assert renamed["ok"], renamed
        [own] = await eventually(lambda: _told(updates, b["id"], 1))
        through = (await eventually(lambda: _told(updates, a["id"], 3)))[2]
        assert own["actor_id"] == IVAN and own["through_deal_id"] is None
        assert (through["actor_id"], through["through_deal_id"]) == (IVAN, b["id"])

        # A move that fills the contact in: the other deal's event names the mover.
        moved = await client.cmd(
            "deal.move", actor_id=IVAN, deal_id=b["id"], to_stage="PROCESSING",
            fields={"contact": {"email": "olga@example.ru"}, "requirements": "r"},
        )  # fmt: skip
        assert moved["ok"], moved
        along = (await eventually(lambda: _told(updates, a["id"], 4)))[3]
        assert along["changed"] == ["contact.email"]
        assert (along["actor_id"], along["through_deal_id"]) == (IVAN, b["id"])

        erased = await client.cmd("deal.erase_contact", actor_id=ROP, contact_id=b["contact"]["id"])
        assert erased["ok"], erased
        for deal_id, n in ((a["id"], 5), (b["id"], 2)):
            last = (await eventually(lambda d=deal_id, k=n: _told(updates, d, k)))[n - 1]
            assert last["erased"] is True and last["actor_id"] == ROP
