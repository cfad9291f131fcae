"""The gateway under load: HTTP lead intake end to end, and the SSE fan-out.

The load generator speaks HTTP/1.1 itself on keep-alive connections (a request is bytes
prepared beforehand, an answer is read by its Content-Length): a general-purpose client
costs more CPU per request than the gateway does, and it would share two cores with the
system it measures. The gateway answers 202 only once JetStream holds the lead.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from dataclasses import dataclass

import nats
from nats.aio.msg import Msg

from bench.load import no_gc, paced, percentile, poll

_NEW_LEAD_TASK = b'"stage":"NEW_LEAD"'


class Connection:
    """One keep-alive HTTP/1.1 connection to the gateway."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader
        self.writer: asyncio.StreamWriter

    async def open(self) -> Connection:
        """Connect."""
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        return self

    async def send(self, request: bytes) -> tuple[int, bytes]:
        """Write a whole request; read the status and body of its answer."""
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        body = await self.reader.readexactly(length) if length else b""
        return status, body

    def close(self) -> None:
        """Close the socket."""
        self.writer.close()


def post_lead(host: str, port: int, token: str, external_id: str, n: int) -> bytes:
    """The bytes of a POST /api/leads for lead `n` (a new contact each)."""
    body = json.dumps(
        {
            "external_id": external_id,
            "contact": {"name": f"Клиент {n}", "phone": f"+7 9{n % 10**9:09d}"},
            "requirements": "20 коробок, доставка до склада",
        },
        ensure_ascii=False,
    ).encode()
    head = (
        f"POST /api/leads HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


def make_token(env: dict[str, str], name: str, scopes: str, owner: str | None = None) -> str:
    """`python -m gateway tokens create` (no rate limit to speak of); the token's text.
    `owner`: the configured user it acts as (a deal made by hand needs one)."""
    out = subprocess.run(
        [sys.executable, "-m", "gateway", "tokens", "create", name, "--scopes", scopes,
         "--rate", "1000000", "--burst", "1000000", *(["--as", owner] if owner else [])],
        env=env, check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    # `python -m gateway tokens create` speaks Russian to its reader: «токен  <token>»
    return next(line.split()[1] for line in out.splitlines() if line.startswith("токен"))


@dataclass
class HttpThroughput:
    """Leads per second from the first POST to the last TaskOpened."""

    leads: int
    seconds: float
    refused: int

    @property
    def rate(self) -> float:
        """Leads per second end to end."""
        return self.leads / self.seconds


async def http_throughput(
    nats_url: str, port: int, token: str, count: int, run: str, conns: int = 128
) -> HttpThroughput:
    """POST `count` leads over `conns` connections as fast as answers come; wait for
    `count` NEW_LEAD tasks on the bus."""
    nc = await nats.connect(nats_url)
    seen, last = 0, 0.0
    done = asyncio.Event()

    async def on_task(msg: Msg) -> None:
        nonlocal seen, last
        if _NEW_LEAD_TASK in msg.data:
            seen += 1
            if seen >= count:
                last = time.perf_counter()
                done.set()

    await nc.subscribe("crm.task.opened", cb=on_task, pending_msgs_limit=-1)
    await nc.flush()
    requests = [post_lead("127.0.0.1", port, token, f"{run}-{n}", n) for n in range(count)]
    pool = [await Connection("127.0.0.1", port).open() for _ in range(conns)]
    refused = 0
    todo = iter(range(count))

    async def worker(conn: Connection) -> None:
        nonlocal refused
        for i in todo:
            status, _ = await conn.send(requests[i])
            refused += status != 202

    try:
        start = time.perf_counter()
        await asyncio.gather(*(worker(c) for c in pool))
        await asyncio.wait_for(done.wait(), 240)
    finally:
        for c in pool:
            c.close()
        await nc.close()
    return HttpThroughput(count, last - start, refused)


@dataclass
class HttpLatency:
    """POST sent → its TaskOpened seen on the bus, at a steady rate."""

    rate: float
    sent: int
    matched: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    answer_p50_ms: float
    answer_p99_ms: float


async def http_latency(
    nats_url: str, port: int, token: str, run: str, rate: float = 200.0,
    seconds: float = 30.0, offset: int = 0, warmup: float = 2.0,
) -> HttpLatency:  # fmt: skip
    """Leads POSTed at `rate`/s; p50/p99 of POST sent → TaskOpened received."""
    nc = await nats.connect(nats_url)
    deals: list[bytes] = []
    tasks: list[tuple[float, bytes]] = []

    async def on_deal(msg: Msg) -> None:
        deals.append(msg.data)

    async def on_task(msg: Msg) -> None:
        tasks.append((time.perf_counter(), msg.data))

    await nc.subscribe("crm.deal.created", cb=on_deal, pending_msgs_limit=-1)
    await nc.subscribe("crm.task.opened", cb=on_task, pending_msgs_limit=-1)
    await nc.flush()
    skipped = int(rate * warmup)
    count = skipped + int(rate * seconds)
    requests = [post_lead("127.0.0.1", port, token, f"{run}-{n}", offset + n) for n in range(count)]
    idle: asyncio.Queue[Connection] = asyncio.Queue()
    for _ in range(32):
        idle.put_nowait(await Connection("127.0.0.1", port).open())
    sent_at: dict[str, float] = {}
    answers: list[float] = []

    async def send(i: int) -> None:
        conn = await idle.get()
        at = time.perf_counter()
        status, _ = await conn.send(requests[i])
        if i >= skipped and status == 202:
            sent_at[f"{run}-{i}"] = at
            answers.append((time.perf_counter() - at) * 1000)
        idle.put_nowait(conn)

    try:
        with no_gc():
            await asyncio.gather(*await paced(count, rate, send))
            await poll(lambda: len(tasks) >= count, timeout=60)
    finally:
        while not idle.empty():
            idle.get_nowait().close()
        await nc.close()
    ext_of = {}
    for body in deals:
        deal = json.loads(body)["data"]["deal"]
        ext_of[deal["id"]] = deal.get("external_id") or ""
    lat = []
    for at, body in tasks:
        if _NEW_LEAD_TASK in body:
            ext = ext_of.get(json.loads(body)["data"]["task"]["deal_id"], "")
            if ext in sent_at:
                lat.append((at - sent_at[ext]) * 1000)
    return HttpLatency(
        rate, count - skipped, len(lat), percentile(lat, 50), percentile(lat, 99),
        max(lat, default=float("nan")), percentile(answers, 50), percentile(answers, 99),
    )  # fmt: skip
