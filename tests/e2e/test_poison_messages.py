"""A consumer survives any message: whatever breaks one ends in the dead-letter stream."""

from __future__ import annotations

import json
from typing import Any

from tests.services import running
from tests.support import Client, eventually

DEEP = b"[" * 2048
HUGE_NUMBER = (
    b'{"source": "s", "external_id": "n", "contact": {"name": "A"}, "amount": '
    + (b"9" * 5000)
    + b"}"
)


def _lead(external_id: str, **fields: Any) -> bytes:
    return json.dumps(
        {"source": "s", "external_id": external_id, "contact": {"name": "A"}, **fields}
    ).encode()


POISON = [
    DEEP,
    HUGE_NUMBER,
    b'{"source": "s", "external_id": "u", "contact": {"name": "\\ud800"}}',
    _lead("nul", title="a\u0000b"),
    _lead("nul-id\u0000"),
    b'{"source": "s", "external_id": ' + b"[" * 900 + b"]" * 900 + b"}",
]


async def test_poison_leads_are_dead_lettered_and_good_ones_still_become_deals(
    clean: Any, client: Client
) -> None:
    dlq = await client.record("crm.dlq.>")
    async with running(clean, "deal-service"):
        for body in POISON:
            await client.js.publish("crm.lead.received", body)
        good = await client.publish_lead(contact={"name": "Хороший"})
        await eventually(lambda: client.deal_by_external(good), timeout=30)
        await eventually(lambda: len(dlq.of("crm.dlq.deal-service")) == len(POISON), timeout=30)
        assert [d["external_id"] for d in await client.deals()] == [good]


async def test_a_message_close_to_max_payload_still_fits_in_its_dead_letter(
    clean: Any, client: Client
) -> None:
    dlq = await client.record("crm.dlq.>")
    size = client.nc.max_payload - 1024
    async with running(clean, "deal-service"):
        await client.js.publish("crm.lead.received", b"\x01" * size)  # 6 bytes each in JSON
        await client.js.publish("crm.lead.received", b"\xff" * size)  # base64: 4 for 3
        good = await client.publish_lead()
        await eventually(lambda: client.deal_by_external(good), timeout=30)
        letters = await eventually(
            lambda: dlq.of("crm.dlq.deal-service")[1:] and dlq.of("crm.dlq.deal-service")
        )
    for letter in letters:
        assert letter["original_truncated"] is True
        assert letter["original_size"] == size
        assert "too_large" in letter["reason"] or "bytes" in letter["reason"]
    assert letters[0]["original"].endswith(f"of {size} bytes]")


async def test_task_service_and_notifier_survive_poison_events(clean: Any, client: Client) -> None:
    dlq = await client.record("crm.dlq.>")
    opened = await client.record("crm.task.opened")
    async with running(clean, "deal-service", "task-service", "notifier"):
        for subject in ("crm.deal.stage_changed", "crm.deal.updated", "crm.task.opened"):
            for body in POISON:
                await client.js.publish(subject, body)
        good = await client.publish_lead(contact={"name": "Хороший"})
        deal = await eventually(lambda: client.deal_by_external(good), timeout=30)
        await eventually(
            lambda: any(
                (e.get("data") or {}).get("task", {}).get("deal_id") == deal["id"]
                for e in opened.of("crm.task.opened")
            ),
            timeout=30,
        )
        await eventually(
            lambda: (
                len(dlq.of("crm.dlq.task-service")) == 2 * len(POISON)
                # the notifier reads all three subjects (the deal events for its idle watch)
                and len(dlq.of("crm.dlq.notifier")) == 3 * len(POISON)
            ),
            timeout=30,
        )
