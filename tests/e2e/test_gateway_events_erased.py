"""The live feed after an erasure (a walkthrough): `crm contact erase` had replaced the
person's name, phone and e-mail everywhere a person looks, but a manager who asked
/api/events to replay from the start (Last-Event-ID 0) got them back from the deal snapshots
the stream still holds. A replay now leaves out an erased deal's events from before its
erasure, whether the gateway saw the erasure live or started after it."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.gateway_support import door
from tests.sse_support import Sse, messages
from tests.support import Client, eventually

NAME, PHONE = "Пётр Стиранов", "+7 912 777-66-55"


async def replay(http: httpx.AsyncClient) -> list[Sse]:
    """Every event /api/events replays from the start, until 2 s pass with nothing new."""
    got: list[Sse] = []

    async def run() -> None:
        async with http.stream("GET", "/api/events", params={"last_event_id": 0}) as reply:
            assert reply.status_code == 200, await reply.aread()
            async for m in messages(reply):
                if m.id is not None:
                    got.append(m)

    task = asyncio.create_task(run())
    seen = -1
    while seen != len(got):
        seen = len(got)
        await asyncio.sleep(2)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    return got


def traces(events: list[Sse]) -> list[int]:
    return [m.id for m in events if m.id and any(t in str(m.data) for t in ("Стиранов", "777"))]


async def test_a_replay_from_the_start_leaves_the_erased_person_out(
    clean: Any, client: Client
) -> None:
    async with door(clean) as d, d.as_user("mgr-1") as http:
        made = await client.cmd(
            "deal.create", actor_id="rop-1", title="Кирпич", responsible_id="mgr-1",
            contact={"name": NAME, "phone": PHONE}, requirements="200 шт.",
        )  # fmt: skip
        assert made["ok"], made
        deal_id, contact_id = made["deal"]["id"], made["deal"]["contact"]["id"]
        moved = await client.cmd(
            "deal.move", actor_id="mgr-1", deal_id=deal_id, to_stage="PROCESSING"
        )
        assert moved["ok"], moved
        before = await replay(http)
        assert traces(before), "the person is in the feed before the erasure"

        erased = await client.cmd("deal.erase_contact", actor_id="rop-1", contact_id=contact_id)
        assert erased["ok"], erased

        async def scrubbed() -> bool:
            reply = await client.request(
                "crm.query.task.list", {"actor_id": "rop-1", "deal_id": deal_id}
            )
            return all("Стиранов" not in t["title"] for t in reply["items"])

        await eventually(scrubbed)
        after = await replay(http)
        assert not traces(after), traces(after)
        kinds = [m.event for m in after]  # what says the erasure is replayed
        assert "crm.deal.updated.v1" in kinds and "crm.task.updated.v1" in kinds, kinds
        # a gateway started after the erasure knows it too (it reads them from the stream)
        erasures = d.gateway.hubs["events"].erasures
        assert erasures is not None and erasures.at
    async with door(clean, services=False) as d2, d2.as_user("mgr-1") as http2:
        assert not traces(await replay(http2))
