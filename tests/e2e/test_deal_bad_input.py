"""Bad input gets a clear error (commands) or goes to the dead-letter subject (events)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.services import running
from tests.support import Client, eventually

BIG = "x" * (65 * 1024)


@pytest.mark.parametrize(
    ("body", "code", "fragment"),
    [
        (b"{not json", "invalid", "not JSON"),
        (b"[1, 2]", "invalid", "JSON object"),
        ({"actor_id": "mgr-1", "deal_id": "d", "to_stage": "X", "extra": 1}, "invalid", "extra"),
        ({"actor_id": "mgr-1", "deal_id": "d"}, "invalid", "to_stage"),
        ({"actor_id": "mgr-1", "deal_id": "nope", "to_stage": "PROCESSING"}, "not_found", "nope"),
        ({"actor_id": "ghost", "deal_id": "d", "to_stage": "PROCESSING"}, "not_found", "ghost"),
        (
            {"actor_id": "mgr-1", "deal_id": "d", "to_stage": "X", "failure_comment": BIG},
            "invalid",
            "bytes",
        ),
    ],
)
async def test_bad_commands_get_clear_errors(
    body: Any, code: str, fragment: str, clean: Any, client: Client
) -> None:
    async with running(clean, "deal-service"):
        reply = await client.request("crm.cmd.deal.move", body)
        assert reply["ok"] is False
        assert reply["error"]["code"] == code
        assert fragment in reply["error"]["message"], reply


async def test_unknown_stage_user_and_field_values(clean: Any, client: Client) -> None:
    async with running(clean, "deal-service"):
        deal = (await client.cmd("deal.create", actor_id="mgr-1"))["deal"]
        reply = await client.cmd("deal.move", actor_id="mgr-1", deal_id=deal["id"], to_stage="FOO")
        assert reply["error"] == {
            "code": "invalid",
            "message": "unknown stage 'FOO'",
            "params": {"reason": "unknown_stage"},  # what crm_shared.locale says it with
        }
        reply = await client.cmd(
            "deal.update", actor_id="mgr-1", deal_id=deal["id"], fields={"responsible_id": "zz"}
        )
        assert reply["error"]["code"] == "not_found" and "zz" in reply["error"]["message"]
        reply = await client.cmd(
            "deal.update", actor_id="mgr-1", deal_id=deal["id"], fields={"rop_id": "mgr-2"}
        )
        assert reply["error"]["code"] == "invalid" and "not a rop" in reply["error"]["message"]
        reply = await client.cmd(
            "deal.update", actor_id="mgr-1", deal_id=deal["id"], fields={"amount": "-5"}
        )
        assert reply["error"]["code"] == "invalid" and "fields.amount" in reply["error"]["message"]
        reply = await client.request(
            "crm.query.deal.get", {"actor_id": "rop-1", "deal_id": "missing"}
        )
        assert reply["error"]["code"] == "not_found"


async def test_bad_leads_are_dead_lettered_and_the_consumer_carries_on(
    clean: Any, client: Client
) -> None:
    dlq = await client.record("crm.dlq.>")
    async with running(clean, "deal-service"):
        poison = [
            (b"\xff\xfe not json", "not JSON"),
            (json.dumps({"source": "site"}).encode(), "external_id"),
            (
                json.dumps(
                    {
                        "source": "s",
                        "external_id": "1",
                        "contact": {"name": "A"},
                        "responsible_id": "nobody",
                    }
                ).encode(),
                "nobody",
            ),
            (
                json.dumps({"source": "s", "external_id": "2", "contact": {"name": BIG}}).encode(),
                "bytes",
            ),
            (
                json.dumps(
                    {"source": "s", "external_id": "3", "contact": {"phone": "12"}}
                ).encode(),
                "phone",
            ),
        ]
        for body, _ in poison:
            await client.js.publish("crm.lead.received", body)
        good = await client.publish_lead(contact={"name": "Хороший"})
        await eventually(lambda: client.deal_by_external(good))
        await eventually(lambda: len(dlq.of("crm.dlq.deal-service")) == len(poison))
        letters = dlq.of("crm.dlq.deal-service")
        for _, reason in poison:  # rejected-by-rule letters follow the batch's commit
            assert any(reason in letter["reason"] for letter in letters), reason
        for letter in letters:
            assert letter["original_subject"] == "crm.lead.received"
            assert letter["original"]
        assert [d["external_id"] for d in await client.deals()] == [good]
        # the dead-letter subject is a stream: nothing is lost for whoever looks later
        info = await client.js.stream_info("CRM_DLQ")
        assert info.state.messages == len(poison)
