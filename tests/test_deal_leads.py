"""Leads become deals (rule 8): de-duplication, contact matching, the РОП robot (rule 1)."""

from __future__ import annotations

from typing import Any

from tests.services import ServiceProcess, running
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


async def test_the_leads_comment_is_part_of_the_deal(clean: Any, client: Client) -> None:
    async with running(clean, "deal-service"):
        ext = await client.publish_lead(comment="Перезвонить после 18:00")
        deal = await eventually(lambda: client.deal_by_external(ext))
        assert deal["comment"] == "Перезвонить после 18:00"
        got = await client.request("crm.query.deal.get", {"deal_id": deal["id"]})
        assert got["deal"]["comment"] == "Перезвонить после 18:00"
        assert got["deal"]["contact_attempts"] == 0 and got["deal"]["attempts"] == []


async def test_lead_ids_are_namespaced_by_source_and_capped(clean: Any, client: Client) -> None:
    dlq = await client.record("crm.dlq.deal-service")
    async with running(clean, "deal-service"):
        await client.publish_lead(source="site", external_id="42")
        await client.publish_lead(source="avito", external_id="42")  # another lead
        long_id = "я" * 101  # 101 characters, 202 bytes: over the 200-byte key
        await client.publish_lead(source="site", external_id=long_id)
        # A message id past the envelope's 200 bytes is refused too, with its reason.
        ext = await client.publish_lead(source="site", msg_id="m" * 3000)

        async def both() -> bool:
            return len([d for d in await client.deals() if d["external_id"] == "42"]) == 2

        await eventually(both)

        async def two_letters() -> list[Any] | None:
            letters = dlq.of("crm.dlq.deal-service")
            return letters if len(letters) == 2 else None

        reasons = " | ".join(letter["reason"] for letter in await eventually(two_letters))
        assert "external_id: Value error, is 202 bytes in JSON, over the limit of 200" in reasons
        assert "id: String should have at most 200 characters" in reasons
        assert await client.deal_by_external(ext) is None
        assert sorted(d["source"] for d in await client.deals() if d["external_id"] == "42") == [
            "avito",
            "site",
        ]


async def test_a_refused_leads_dead_letter_survives_a_crash_before_publish(
    clean: Any, client: Client
) -> None:
    """The dead letter is an outbox row of the batch's transaction: killed after the commit,
    the process leaves it to the next one, which publishes it (the lead is not redone)."""
    crashing = ServiceProcess("deal-service", clean, {"CRM_FAULT_RELAY": "crash_before_publish"})
    crashing.start()
    try:
        await client.publish_lead(external_id="refused", responsible_id="nobody")
        assert await crashing.wait_exit(timeout=30) == -9
    finally:
        crashing.stop()
    async with running(clean, "deal-service"):

        async def letters() -> int:
            return int((await client.js.stream_info("CRM_DLQ")).state.messages)

        await eventually(letters, timeout=30)
        ext = await client.publish_lead()  # the consumer goes on
        await eventually(lambda: client.deal_by_external(ext))
        assert await letters() == 1
        assert await client.deal_by_external("refused") is None
