"""The live feed over SSE: resume from Last-Event-ID without a gap or a repeat, scoping."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.gateway_support import door
from tests.sse_support import Sse, messages, read_events
from tests.support import Client, eventually


async def _last_seq(client: Client) -> int:
    return int((await client.js.stream_info("CRM_EVENTS")).state.last_seq)


async def _started(client: Client) -> int:
    """Wait until deal-service's start-up event (its idle thresholds) is in the stream, so
    that a feed opened now begins after it; the last sequence."""

    async def published() -> int | None:
        last = await _last_seq(client)
        return last if last >= 1 else None

    started: int = await eventually(published)
    return started


async def _settled(client: Client, tasks: int) -> int:
    """Wait until `tasks` stage tasks were opened and nothing is pending; the last sequence."""

    async def done() -> int | None:
        reply = await client.request("crm.query.task.list", {"actor_id": "rop-1", "limit": 500})
        if len(reply["items"]) < tasks:
            return None
        for durable in ("task-service-deals", "notifier-tasks"):
            info = await client.js.consumer_info("CRM_EVENTS", durable)
            if info.num_pending or info.num_ack_pending:
                return None
        return await _last_seq(client)

    last: int = await eventually(done)
    return last


async def _resume_without_gap(clean: Any, client: Client, buffer: int) -> None:
    async with door(clean, sse_buffer=buffer) as d, d.as_user("rop-1") as http:
        # Someone is on the board all along, so the gateway follows the stream from the
        # start and its buffer holds what the resuming client missed (when it is big enough).
        watcher = asyncio.create_task(read_events(http, 10**6))
        await eventually(lambda: d.gateway.hubs["events"].listeners)
        for n in range(2):
            await client.publish_lead(external_id=f"sse-{n}", contact={"name": f"Лид {n}"})
        first = await _settled(client, 2)
        seen = await read_events(http, 4, params={"last_event_id": 0})
        assert [m.id for m in seen] == [1, 2, 3, 4]
        assert all(m.event and m.event.startswith("crm.") for m in seen)
        assert seen[0].data is not None and seen[0].data["specversion"] == "1.0"

        for n in range(2, 5):
            await client.publish_lead(external_id=f"sse-{n}", contact={"name": f"Лид {n}"})
        last = await _settled(client, 5)
        assert last > first
        hub = d.gateway.hubs["events"]
        from_memory = bool(hub.recent) and hub.recent[0].seq <= 5
        assert from_memory == (buffer >= last), (buffer, last)
        resumed = await read_events(http, last - 4, headers={"Last-Event-ID": "4"})
        assert [m.id for m in resumed] == list(range(5, last + 1))
        # A Last-Event-ID that is no sequence is refused, as ?last_event_id=abc is: it was
        # taken as «from now» without a word, which loses what was missed.
        for header, query in (({"Last-Event-ID": "abc"}, {}), ({}, {"last_event_id": "abc"})):
            refused = await http.get("/api/events", headers=header, params=query)
            assert refused.status_code == 400, (header, query, refused.text)
            assert refused.json()["error"]["code"] == "invalid"
        watcher.cancel()
        await asyncio.gather(watcher, return_exceptions=True)


async def test_resume_from_the_ring_buffer(clean: Any, client: Client) -> None:
    await _resume_without_gap(clean, client, buffer=10_000)


async def test_resume_from_the_stream_when_the_gap_is_older_than_the_buffer(
    clean: Any, client: Client
) -> None:
    await _resume_without_gap(clean, client, buffer=3)


async def test_live_events_a_manager_sees_only_their_own(clean: Any, client: Client) -> None:
    async with (
        door(clean, heartbeat_seconds=0.2) as d,
        d.as_user("mgr-1") as mine,
        d.as_user("rop-1") as rop,
    ):
        got: dict[str, list[Sse]] = {"mgr-1": [], "rop-1": []}
        pings: list[str] = []
        start = await _started(client)

        async def listen(who: str, http: httpx.AsyncClient) -> None:
            async with http.stream("GET", "/api/events") as reply:
                async for m in messages(reply):
                    if m.comment == "ping":
                        pings.append(who)
                    elif m.id is not None:
                        got[who].append(m)

        tasks = [asyncio.create_task(listen(w, h)) for w, h in (("mgr-1", mine), ("rop-1", rop))]
        try:
            await eventually(lambda: len(pings) >= 2)  # connected, heartbeats flowing
            await client.publish_lead(
                external_id="a", responsible_id="mgr-1", contact={"name": "A"}
            )
            await client.publish_lead(
                external_id="b", responsible_id="mgr-2", contact={"name": "B"}
            )
            last = await _settled(client, 2)
            await eventually(lambda: got["rop-1"] and got["rop-1"][-1].id == last)
            owners = {_owner(m) for m in got["mgr-1"]}
            assert owners == {"mgr-1"}, owners
            assert {_owner(m) for m in got["rop-1"]} == {"mgr-1", "mgr-2"}
            assert [m.id for m in got["rop-1"]] == list(range(start + 1, last + 1))
        finally:
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)


def _owner(m: Sse) -> str | None:
    assert m.data is not None
    data = m.data["data"]
    for key in ("deal", "task"):
        if isinstance(data.get(key), dict):
            return str(data[key]["responsible_id"])
    return data.get("responsible_id")


async def test_each_person_gets_only_their_own_notifications_live(
    clean: Any, client: Client
) -> None:
    async with (
        door(clean) as d,
        d.as_user("mgr-1") as mine,
        d.as_user("mgr-2") as other,
        d.as_user("rop-1") as rop,
    ):
        got: dict[str, list[Sse]] = {"mgr-1": [], "mgr-2": [], "rop-1": []}
        ready: set[str] = set()

        async def listen(who: str, http: httpx.AsyncClient) -> None:
            async with http.stream("GET", "/api/notifications/events") as reply:
                async for m in messages(reply):
                    if m.comment == "connected":
                        ready.add(who)
                    elif m.id is not None:
                        got[who].append(m)

        people = (("mgr-1", mine), ("mgr-2", other), ("rop-1", rop))
        tasks = [asyncio.create_task(listen(w, h)) for w, h in people]
        try:
            await eventually(lambda: len(ready) == 3)
            await client.publish_lead(
                external_id="n", responsible_id="mgr-1", contact={"name": "N"}
            )
            [deal] = await eventually(client.deals)
            refused = await mine.post(
                f"/api/deals/{deal['id']}/move", json={"to_stage": "OFFER_MADE"}
            )
            assert refused.status_code == 422
            kinds = await eventually(
                lambda: [
                    m.data["data"]["kind"]
                    for m in got["mgr-1"]
                    if m.data and m.data["data"]["kind"] == "move_rejected"
                ]
            )
            assert kinds
            assert all(m.data and m.data["data"]["user_id"] == "mgr-1" for m in got["mgr-1"])
            # the others' feeds carried nothing of mgr-1's (mgr-2 and the РОП get their own)
            for who in ("mgr-2", "rop-1"):
                assert all(m.data and m.data["data"]["user_id"] == who for m in got[who])
        finally:
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)


async def test_the_feed_goes_on_after_nats_restarts(clean: Any, client: Client) -> None:
    async with door(clean) as d, d.as_user("rop-1") as rop:
        got: list[Sse] = []
        start = await _started(client)

        async def listen() -> None:
            async with rop.stream("GET", "/api/events") as reply:
                async for m in messages(reply):
                    if m.id is not None:
                        got.append(m)

        feed = asyncio.create_task(listen())
        try:
            await client.publish_lead(external_id="before", contact={"name": "До"})
            before = await _settled(client, 1)
            await eventually(lambda: got and got[-1].id == before)
            assert clean.stack.nats is not None
            await asyncio.to_thread(clean.stack.nats.restart)

            async def publish() -> bool:
                await client.publish_lead(external_id="after", contact={"name": "После"})
                return True

            await eventually(publish, timeout=30)
            after = await _settled(client, 2)
            # The hub follows again as soon as the connection is back (about a second here);
            # nats-py's own recovery waits for two missed heartbeats, 10 to 20 s (on a busy
            # machine more than the 30 s this waited before).
            await eventually(lambda: got[-1].id == after, timeout=8)
            assert [m.id for m in got] == list(range(start + 1, after + 1))  # no gap, no repeat
        finally:
            feed.cancel()
            await asyncio.gather(feed, return_exceptions=True)


async def test_the_feed_is_followed_only_while_someone_listens(clean: Any, client: Client) -> None:
    async with door(clean, services=False, heartbeat_seconds=0.1) as d, d.as_user("rop-1") as rop:
        hub = d.gateway.hubs["events"]
        hub.linger = 0.2
        assert not hub.following  # a gateway that only takes leads follows nothing
        first = asyncio.create_task(read_events(rop, 1))
        await eventually(lambda: hub.following and hub.listeners)
        await client.js.publish("crm.task.opened", b'{"type": "crm.task.opened.v1", "data": {}}')
        assert [m.id for m in await first] == [1]
        await eventually(lambda: not hub.following)  # the last one left a while ago
        assert not hub.recent
        # A new client is served again, and a resume reads its gap from the stream.
        await client.js.publish("crm.task.opened", b'{"type": "crm.task.opened.v1", "data": {}}')
        again = await read_events(rop, 1, headers={"Last-Event-ID": "1"})
        assert [m.id for m in again] == [2]
