"""An ordinary load: a fixed number of HTTP requests in flight (12), each connection sending
its next request when the answer to the last one came, for a fixed time.

Leads (`POST /api/leads`) and deals made by hand (`POST /api/deals`). The CPU of every
process of the stack is read before the first request and after the last request's task
has been opened (its TaskOpened seen on the bus), so a lead's whole way is in the figure.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

import nats
from nats.aio.msg import Msg

from bench.cpu import CpuPerLead, Meter, Phase
from bench.door import Connection, post_lead
from bench.load import no_gc, percentile, poll


def post_deal(host: str, port: int, token: str, n: int) -> bytes:
    """The bytes of a POST /api/deals: a deal by hand with a new contact."""
    body = json.dumps(
        {"title": "Кирпич", "contact": {"name": f"Клиент {n}", "phone": f"+7 8{n % 10**9:09d}"},
         "requirements": "20 коробок, доставка до склада"},
        ensure_ascii=False,
    ).encode()  # fmt: skip
    head = (
        f"POST /api/deals HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


@dataclass
class InFlight:
    """What `in_flight` requests at a time achieved over `seconds`."""

    load: str
    in_flight: int
    seconds: float
    done: int
    refused: int
    answer_p50_ms: float
    answer_p99_ms: float
    cpu: CpuPerLead

    @property
    def rate(self) -> float:
        """Requests answered with success per second."""
        return self.done / self.seconds

    def details(self) -> dict[str, object]:
        """For bench-results.json."""
        return {**asdict(self), "rate": self.rate, "cpu_total_ms": self.cpu.total_ms}


async def in_flight(
    nats_url: str,
    port: int,
    make: Callable[[int], bytes],
    meter: Meter,
    load: str,
    *,
    ok: int,
    in_flight: int = 12,
    seconds: float = 20.0,
) -> InFlight:
    """`make(n)`: the bytes of request n; `ok`: the status of a success (202, 201)."""
    nc = await nats.connect(nats_url)
    opened = 0

    async def on_task(msg: Msg) -> None:
        nonlocal opened
        opened += 1

    await nc.subscribe("crm.task.opened", cb=on_task, pending_msgs_limit=-1)
    await nc.flush()
    pool = [await Connection("127.0.0.1", port).open() for _ in range(in_flight)]
    answers: list[float] = []
    refused = 0
    counter = iter(range(10**9))

    async def worker(conn: Connection, until: float) -> None:
        nonlocal refused
        while time.perf_counter() < until:
            request = make(next(counter))
            at = time.perf_counter()
            status, _ = await conn.send(request)
            if status == ok:
                answers.append((time.perf_counter() - at) * 1000)
            else:
                refused += 1

    try:
        with no_gc(), Phase(meter, load) as phase:
            start = time.perf_counter()
            await asyncio.gather(*(worker(c, start + seconds) for c in pool))
            took = time.perf_counter() - start
            if not await poll(lambda: opened >= len(answers), timeout=60):
                raise RuntimeError(f"{load}: {opened} tasks opened of {len(answers)}")
    finally:
        for c in pool:
            c.close()
        await nc.close()
    return InFlight(
        load, in_flight, round(took, 2), len(answers), refused, percentile(answers, 50),
        percentile(answers, 99), phase.result(len(answers)),
    )  # fmt: skip


def lead_request(port: int, token: str, run: str) -> Callable[[int], bytes]:
    """POST /api/leads, a new lead (and contact) each."""
    return lambda n: post_lead("127.0.0.1", port, token, f"{run}-{n}", 500_000 + n)


def deal_request(port: int, token: str) -> Callable[[int], bytes]:
    """POST /api/deals, a new deal with a new contact each."""
    return lambda n: post_deal("127.0.0.1", port, token, n)
