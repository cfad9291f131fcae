"""The live feed under many clients: how long a StageChanged takes to reach every one.

`clients` SSE connections (raw keep-alive sockets: the measuring process must stay light)
follow `GET /api/events`; deals are moved one after another at a steady pace, and each
StageChanged's arrival at each client is compared with the moment it appeared on the bus
(a core NATS subscription in this process sees what the stream stores).
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from typing import Any

import nats
from nats.aio.msg import Msg

from bench.load import lead, paced, percentile, poll, publish_all
from crm_shared.contracts.deal import ListDeals, MoveDeal

_STAGE_CHANGED = b"event: crm.deal.stage_changed"


@dataclass
class Fanout:
    """StageChanged: bus → every SSE client."""

    clients: int
    moves: int
    received: int
    expected: int
    p50_ms: float
    p99_ms: float
    max_ms: float


async def _client(
    port: int, token: str, frames: list[tuple[float, bytes]], ready: asyncio.Event
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        f"GET /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
        "Accept: text/event-stream\r\n\r\n".encode()
    )
    try:
        head = await reader.readuntil(b"\r\n\r\n")
        assert b" 200 " in head[:13], head
        ready.set()
        while True:
            chunk = await reader.readuntil(b"\n\n")
            if _STAGE_CHANGED in chunk:
                frames.append((time.perf_counter(), chunk))
    finally:
        writer.close()


def _event_id(chunk: bytes) -> str | None:
    # chunked transfer encoding puts sizes between frames: find the data line itself
    for line in chunk.split(b"\n"):
        if line.startswith(b"data: "):
            return str(json.loads(line[6:])["id"])
    return None


async def sse_fanout(
    nats_url: str, port: int, token: str, run: str, clients: int = 200, moves: int = 60,
    rate: float = 4.0,
) -> Fanout:  # fmt: skip
    """`clients` followers, `moves` deals moved NEW_LEAD → PROCESSING at `rate`/s."""
    nc = await nats.connect(nats_url)
    js = nc.jetstream(timeout=30)
    await publish_all(js, "crm.lead.received", [lead(f"{run}-{n}", n) for n in range(moves)])

    async def deals_ready() -> bool:
        reply = await nc.request(
            ListDeals.SUBJECT,
            json.dumps({"actor_id": "rop-1", "stage": "NEW_LEAD", "limit": 500}).encode(),
            timeout=10,  # nats-py's 0.5 s is too short on a loaded machine
        )
        return len(json.loads(reply.data)["items"]) >= moves

    await poll(deals_ready, timeout=60)
    reply = await nc.request(
        ListDeals.SUBJECT,
        json.dumps({"actor_id": "rop-1", "stage": "NEW_LEAD", "limit": moves}).encode(),
        timeout=10,
    )
    deal_ids = [d["id"] for d in json.loads(reply.data)["items"]]
    on_bus: dict[str, float] = {}

    async def on_stage(msg: Msg) -> None:
        on_bus[json.loads(msg.data)["id"]] = time.perf_counter()

    await nc.subscribe("crm.deal.stage_changed", cb=on_stage, pending_msgs_limit=-1)
    await nc.flush()
    frames: list[list[tuple[float, bytes]]] = [[] for _ in range(clients)]
    ready = [asyncio.Event() for _ in range(clients)]
    followers = [
        asyncio.create_task(_client(port, token, frames[i], ready[i])) for i in range(clients)
    ]
    try:
        everyone: asyncio.Future[Any] = asyncio.ensure_future(
            asyncio.gather(*(r.wait() for r in ready))
        )
        waited: list[asyncio.Future[Any]] = [everyone, *followers]
        await asyncio.wait(waited, timeout=60, return_when=asyncio.FIRST_COMPLETED)
        for task in followers:  # a follower refused (a 429, say): its answer, not a timeout
            if task.done() and task.exception() is not None:
                everyone.cancel()
                raise RuntimeError(f"an SSE client failed: {task.exception()!r}")
        if not everyone.done():
            everyone.cancel()
            raise TimeoutError(f"{sum(r.is_set() for r in ready)}/{clients} SSE clients in 60 s")
        await asyncio.sleep(1)

        async def move(i: int) -> None:
            body = {"actor_id": "rop-1", "deal_id": deal_ids[i], "to_stage": "PROCESSING"}
            await nc.request(MoveDeal.SUBJECT, json.dumps(body).encode(), timeout=10)

        await asyncio.gather(*await paced(len(deal_ids), rate, move))
        expected = clients * len(deal_ids)
        await poll(lambda: sum(len(f) for f in frames) >= expected, timeout=30)
    finally:
        for task in followers:
            task.cancel()
        await asyncio.gather(*followers, return_exceptions=True)
        await nc.close()
    lat = []
    for per_client in frames:
        for at, chunk in per_client:
            event_id = _event_id(chunk)
            if event_id in on_bus:
                lat.append((at - on_bus[event_id]) * 1000)
    return Fanout(
        clients, len(deal_ids), len(lat), clients * len(deal_ids), percentile(lat, 50),
        percentile(lat, 99), max(lat, default=float("nan")),
    )  # fmt: skip
