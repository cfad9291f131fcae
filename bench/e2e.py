"""End to end: leads in on `crm.lead.received`, stage tasks out on `crm.task.opened`.

Both figures are taken from outside, with a core NATS subscription on what the services
publish: the throughput until the last lead's task is seen, and the latency of each lead
from the moment it was sent to the moment its TaskOpened arrived.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from dataclasses import dataclass

import asyncpg
import nats
from nats.aio.msg import Msg

from bench.load import LEAD_SUBJECT, lead, no_gc, paced, percentile, poll, publish_all
from crm_shared.machinery.db import asyncpg_dsn

_NEW_LEAD_TASK = b'"stage":"NEW_LEAD"'
DURABLES = [
    ("CRM_LEADS", "deal-service-leads"),
    ("CRM_EVENTS", "task-service-deals"),
    ("CRM_EVENTS", "notifier-tasks"),
]


@dataclass
class Throughput:
    """Leads per second from the first publish to the last TaskOpened."""

    leads: int
    seconds: float
    publish_seconds: float

    @property
    def rate(self) -> float:
        """Leads per second end to end."""
        return self.leads / self.seconds


@dataclass
class Latency:
    """Lead → TaskOpened latency at a steady rate."""

    rate: float
    sent: int
    matched: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    deal_p50_ms: float
    deal_p99_ms: float


async def throughput(nats_url: str, count: int, run: str, timeout: float = 240.0) -> Throughput:
    """Publish `count` leads as fast as acks allow; wait for `count` NEW_LEAD tasks."""
    nc = await nats.connect(nats_url)
    js = nc.jetstream(timeout=30)
    seen = 0
    last = 0.0
    done = asyncio.Event()

    async def on_task(msg: Msg) -> None:
        nonlocal seen, last
        # A substring test, not a JSON parse: the bench shares two cores with the system.
        if _NEW_LEAD_TASK in msg.data:
            seen += 1
            if seen >= count:
                last = time.perf_counter()
                done.set()

    await nc.subscribe("crm.task.opened", cb=on_task, pending_msgs_limit=-1)
    await nc.flush()
    bodies = [lead(f"{run}-{n}", n) for n in range(count)]
    try:
        start = time.perf_counter()
        publish_seconds = await publish_all(js, "crm.lead.received", bodies)
        await asyncio.wait_for(done.wait(), timeout)
    except TimeoutError:
        raise RuntimeError(f"only {seen} of {count} tasks within {timeout}s") from None
    finally:
        await nc.close()
    return Throughput(count, last - start, publish_seconds)


async def quiesce(nats_url: str, database_url: str, timeout: float = 120.0) -> None:
    """Wait until every service has consumed everything (the notifier is the last to finish
    a burst), clean up after the burst, then a moment more: a latency figure taken while the
    previous phase still drains measures that phase, not a steady rate.

    Cleaning up: VACUUM what the burst wrote and deleted (autovacuum would wake for it in
    the middle of the measurement), a CHECKPOINT and a `sync` so that its dirty pages (the
    database's, the streams' files) are on disk before, not written out during, the steady
    phase: the burst dirties far more than a steady rate does between two checkpoints.
    """
    nc = await nats.connect(nats_url)
    js = nc.jetstream(timeout=10)

    async def idle() -> bool:
        for stream, durable in DURABLES:
            info = await js.consumer_info(stream, durable)
            if info.num_pending or info.num_ack_pending:
                return False
        return True

    try:
        await poll(idle, timeout=timeout, interval=0.5)
    finally:
        await nc.close()
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        await conn.execute("VACUUM (ANALYZE)")
        await conn.execute("CHECKPOINT")
    finally:
        await conn.close()
    await asyncio.to_thread(os.sync)
    await asyncio.sleep(2)


async def latency(
    nats_url: str,
    run: str,
    rate: float = 200.0,
    seconds: float = 30.0,
    offset: int = 0,
    warmup: float = 2.0,
) -> Latency:
    """Send leads at `rate`/s for `warmup` + `seconds`; p50/p99 of send → TaskOpened
    received, over the leads sent after the warm-up."""
    nc = await nats.connect(nats_url)
    js = nc.jetstream(timeout=30)
    sent_at: dict[str, float] = {}
    # Arrival times and raw bodies only: parsing waits until the run is over, so that the
    # measuring process takes as little CPU as it can from the system it measures.
    deals: list[tuple[float, bytes]] = []
    tasks_seen: list[tuple[float, bytes]] = []

    async def on_deal(msg: Msg) -> None:
        deals.append((time.perf_counter(), msg.data))

    async def on_task(msg: Msg) -> None:
        tasks_seen.append((time.perf_counter(), msg.data))

    await nc.subscribe("crm.deal.created", cb=on_deal, pending_msgs_limit=-1)
    await nc.subscribe("crm.task.opened", cb=on_task, pending_msgs_limit=-1)
    await nc.flush()
    skipped = int(rate * warmup)
    count = skipped + int(rate * seconds)
    bodies = [lead(f"{run}-{n}", offset + n) for n in range(count)]
    ids = [json.loads(body)["id"] for body in bodies]

    async def send(i: int) -> None:
        if i >= skipped:
            sent_at[f"{run}-{i}"] = time.perf_counter()
        await js.publish(LEAD_SUBJECT, bodies[i], headers={"Nats-Msg-Id": ids[i]})

    try:
        with no_gc():
            sending = await paced(count, rate, send)
            await asyncio.gather(*sending)
            await poll(lambda: len(tasks_seen) >= count, timeout=60)
    finally:
        await nc.close()
    deal_ext: dict[str, str] = {}
    deal_at: dict[str, float] = {}
    for at, body in deals:
        deal = json.loads(body)["data"]["deal"]
        deal_at[deal["id"]] = at
        deal_ext[deal["id"]] = deal.get("external_id") or ""
    task_at = {
        json.loads(body)["data"]["task"]["deal_id"]: at
        for at, body in tasks_seen
        if _NEW_LEAD_TASK in body
    }
    return _latency(rate, count - skipped, sent_at, deal_ext, deal_at, task_at)


def _latency(
    rate: float,
    sent: int,
    sent_at: dict[str, float],
    deal_ext: dict[str, str],
    deal_at: dict[str, float],
    task_at: dict[str, float],
) -> Latency:
    """Match each measured lead to its deal and its task; the percentiles."""
    lat = [
        (task_at[deal_id] - sent_at[ext]) * 1000
        for deal_id, ext in deal_ext.items()
        if deal_id in task_at and ext in sent_at
    ]
    to_deal = [
        (deal_at[deal_id] - sent_at[ext]) * 1000
        for deal_id, ext in deal_ext.items()
        if ext in sent_at
    ]
    return Latency(
        rate=rate,
        sent=sent,
        matched=len(lat),
        p50_ms=percentile(lat, 50),
        p99_ms=percentile(lat, 99),
        max_ms=max(lat, default=float("nan")),
        deal_p50_ms=percentile(to_deal, 50),
        deal_p99_ms=percentile(to_deal, 99),
    )
