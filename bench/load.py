"""Load generation: leads as an integrator sends them, published with acknowledgements."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import time
import uuid
from collections.abc import Awaitable, Callable, Coroutine, Iterator, Sequence
from typing import Any

from nats.aio.msg import Msg
from nats.js import JetStreamContext

LEAD_SUBJECT = "crm.lead.received"
# How many publishes wait for their ack at once: enough to keep the server busy, few enough
# that one slow ack does not hold a huge burst in memory.
WINDOW = 500


@contextlib.contextmanager
def no_gc() -> Iterator[None]:
    """No garbage collection while measuring: a collector pause in the measuring process
    would be counted as the system's latency."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def lead(external_id: str, n: int, *, source: str = "bench", msg_id: str | None = None) -> bytes:
    """A lead in its CloudEvents envelope, with a unique phone (so: a new contact) per n."""
    event = {
        "specversion": "1.0",
        "id": msg_id or str(uuid.uuid4()),
        "source": f"{source}/load",
        "type": "crm.lead.received.v1",
        "data": {
            "source": source,
            "external_id": external_id,
            "contact": {"name": f"Клиент {n}", "phone": f"+7 9{n % 10**9:09d}"},
            "requirements": "20 коробок, доставка до склада",
            "comment": "перезвонить после 15:00",
        },
    }
    return json.dumps(event, ensure_ascii=False).encode()


async def publish_all(
    js: JetStreamContext, subject: str, bodies: Sequence[bytes], *, window: int = WINDOW
) -> float:
    """Publish every body with an ack, `window` acks outstanding at a time; returns seconds."""
    start = time.perf_counter()
    for i in range(0, len(bodies), window):
        chunk = bodies[i : i + window]
        await asyncio.gather(
            *(js.publish(subject, b, headers={"Nats-Msg-Id": json.loads(b)["id"]}) for b in chunk)
        )
    return time.perf_counter() - start


async def paced(
    count: int, rate: float, send: Callable[[int], Coroutine[Any, Any, None]]
) -> list[asyncio.Task[None]]:
    """Call `send(i)` `count` times at `rate` per second, on a fixed schedule (no drift).

    Each send runs as its own task so a slow ack does not delay the next send; the tasks are
    returned for the caller to await.
    """
    start = time.perf_counter()
    tasks: list[asyncio.Task[None]] = []
    for i in range(count):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(send(i)))
    return tasks


async def poll(
    check: Callable[[], Awaitable[bool]] | Callable[[], bool], timeout: float, interval: float = 0.1
) -> bool:
    """Poll `check` until it is true (True) or `timeout` seconds pass (False)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if not isinstance(value, bool):
            value = await value
        if value:
            return True
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(interval)


def data_of(msg: Msg) -> dict[str, Any]:
    """The CloudEvent `data` of a bus message."""
    data: dict[str, Any] = json.loads(msg.data)["data"]
    return data


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (nearest rank) of `values`; NaN when empty."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]
