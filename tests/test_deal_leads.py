"""Leads become deals (rule 8): de-duplication, contact matching, the РОП robot (rule 1)."""

from __future__ import annotations

from typing import Any

from tests.services import running
from tests.support import Client, eventually


async def test_lead_becomes_deal_in_new_lead_with_rop(clean: Any, client: Client) -> None:
    events = await client.record("crm.deal.>")
    async with running(clean, "deal-service"):
        ext = await client.publish_lead(contact={"name": "Ольга", "phone": "+7 912 000-00-01"})
        deal = await eventually(lambda: client.deal_by_external(ext))
        assert deal["stage"] == "NEW_LEAD"
        assert deal["rop_id"] == "rop-1"  # plan standard: the robot fills it
        assert deal["responsible_id"] in {"mgr-1", "mgr-2"}
        assert deal["contact"]["phone"] == "+79120000001"
        await eventually(lambda: events.data("crm.deal.stage_changed"))
        changed = events.data("crm.deal.stage_changed")[0]
        assert changed["from_stage"] is None and changed["to_stage"] == "NEW_LEAD"
        assert changed["version"] == 1
        assert events.data("crm.deal.created")[0]["deal"]["id"] == deal["id"]


async def test_same_lead_twice_makes_one_deal(clean: Any, client: Client) -> None:
    async with running(clean, "deal-service"):
        await client.publish_lead(external_id="L-1", msg_id="m-1")
        await client.publish_lead(external_id="L-1", msg_id="m-1")  # JetStream drops this one
        await client.publish_lead(external_id="L-1", msg_id="m-2")  # new id, same lead
        await client.publish_lead(external_id="L-2")
        await eventually(lambda: client.deal_by_external("L-2"))
        await eventually(lambda: client.deal_by_external("L-1"))
        deals = await client.deals()
        assert sorted(d["external_id"] for d in deals) == ["L-1", "L-2"]


async def test_lead_matching_phone_or_email_attaches_to_contact(clean: Any, client: Client) -> None:
    async with running(clean, "deal-service"):
        first = await client.publish_lead(
            contact={"name": "Анна", "phone": "8 (912) 345-67-89", "email": "Anna@Example.ru"}
        )
        by_phone = await client.publish_lead(contact={"name": "Аня", "phone": "+79123456789"})
        by_email = await client.publish_lead(contact={"email": "anna@example.RU"})
        other = await client.publish_lead(contact={"name": "Борис", "phone": "+79990000000"})
        deals = {
            ext: await eventually(lambda ext=ext: client.deal_by_external(ext))
            for ext in (first, by_phone, by_email, other)
        }
        contact = deals[first]["contact"]["id"]
        assert deals[by_phone]["contact"]["id"] == contact
        assert deals[by_email]["contact"]["id"] == contact
        assert deals[other]["contact"]["id"] != contact
        same = await client.deals(contact_id=contact)
        assert len(same) == 3


async def test_round_robin_assignment_alternates_managers(clean: Any, client: Client) -> None:
    async with running(clean, "deal-service"):
        exts = [await client.publish_lead() for _ in range(4)]
        deals = [await eventually(lambda e=e: client.deal_by_external(e)) for e in exts]
        assert sorted(d["responsible_id"] for d in deals) == ["mgr-1", "mgr-1", "mgr-2", "mgr-2"]
