"""The bare ceiling: the pipeline's durable work written plainly, with no framework.

Two processes of this one file (`python -m bench.bare leads|tasks`, the servers' URLs in
CRM_NATS_URL and CRM_DATABASE_URL) on the bench's own servers, as our deal-service and
task-service are two:

- leads: lead messages from the same JetStream stream (CRM_LEADS), pulled in batches of up
  to 500 on its own durable consumer; per batch one transaction (one statement) writes the
  contacts, the deals, their stage-history rows and the outbox rows of their DealCreated;
  after the commit the leads are acked, each DealCreated is published with an ack awaited
  (on BENCH_BARE, a file stream beside ours), and the published outbox rows are deleted;
- tasks: DealCreated pulled in batches; per batch one statement writes the tasks and their
  outbox rows; each TaskOpened is published and awaited, its outbox row deleted, the
  DealCreated acked.

The publishing and deleting of a batch (a relay's work) overlaps the next batch's fetch and
write, on a second connection, as our relay runs beside our consumers.

No inbox, no rules, no notices, no validation beyond `json.loads`: what we do on top of
this is what the row "end to end / bare ceiling" prices. `run()` (the bench's side) makes
the database, the stream and the consumers, starts the two processes, publishes the leads
as e2e.throughput does and waits for the last TaskOpened; then removes what it made
(CRM_LEADS is purged: the services' consumer delivers from the stream's start).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
import time
import uuid
from collections.abc import Callable, Coroutine
from typing import Any

import asyncpg
import nats
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, StorageType, StreamConfig

from bench import bare_loads
from bench.bare_loads import BareResult
from bench.bare_pull import StandingPull
from bench.cpu import Meter, Pids
from bench.load import LEAD_SUBJECT
from bench.procs import ROOT, create_database, execute
from crm_shared.machinery.db import asyncpg_dsn
from crm_shared.machinery.streams import ensure_streams

STREAM, DEALS, TASKS = "BENCH_BARE", "bench.bare.deal.created", "bench.bare.task.opened"
LEADS_DURABLE, TASKS_DURABLE, BATCH = "bench-bare-leads", "bench-bare-tasks", 500
_RELAY_DB: list[asyncpg.Connection] = []  # the relay's connection, once serving
SCHEMA = """
CREATE TABLE contacts (id UUID PRIMARY KEY, name TEXT NOT NULL, phone TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now());
CREATE TABLE deals (id UUID PRIMARY KEY, contact_id UUID NOT NULL REFERENCES contacts (id),
    lead_id TEXT NOT NULL UNIQUE, external_id TEXT, stage TEXT NOT NULL,
    requirements TEXT, created_at TIMESTAMPTZ NOT NULL DEFAULT now());
CREATE TABLE history (id BIGSERIAL PRIMARY KEY, deal_id UUID NOT NULL REFERENCES deals (id),
    stage TEXT NOT NULL, at TIMESTAMPTZ NOT NULL DEFAULT now());
CREATE TABLE tasks (id UUID PRIMARY KEY, deal_id UUID NOT NULL UNIQUE, stage TEXT NOT NULL,
    deadline TIMESTAMPTZ NOT NULL);
CREATE TABLE outbox (id UUID PRIMARY KEY, subject TEXT NOT NULL, body BYTEA NOT NULL);
"""
WRITE_DEALS = """
WITH c AS (INSERT INTO contacts (id, name, phone)
           SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[])),
     d AS (INSERT INTO deals (id, contact_id, lead_id, external_id, stage, requirements)
           SELECT i, c, l, e, 'NEW_LEAD', r
           FROM unnest($4::uuid[], $1::uuid[], $5::text[], $6::text[], $7::text[])
                AS u (i, c, l, e, r)),
     h AS (INSERT INTO history (deal_id, stage) SELECT unnest($4::uuid[]), 'NEW_LEAD')
INSERT INTO outbox (id, subject, body) SELECT unnest($8::uuid[]), $9, unnest($10::bytea[])
"""
WRITE_TASKS = """
WITH t AS (INSERT INTO tasks (id, deal_id, stage, deadline)
           SELECT unnest($1::uuid[]), unnest($2::uuid[]), 'NEW_LEAD', now() + interval '1 hour')
INSERT INTO outbox (id, subject, body) SELECT unnest($3::uuid[]), $4, unnest($5::bytea[])
"""


def envelope(event_id: str, kind: str, data: dict[str, object]) -> bytes:
    """A CloudEvent as our services write one (the bytes on the bus are of the same size)."""
    return json.dumps(
        {"specversion": "1.0", "id": event_id, "source": "bench/bare", "type": kind,
         "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "data": data},
        ensure_ascii=False,
    ).encode()  # fmt: skip


async def _publish(
    js: JetStreamContext, subject: str, ids: list[uuid.UUID], bodies: list[bytes]
) -> None:
    """Each event published, its ack awaited; then their outbox rows deleted (on the
    relay's own connection, `_RELAY_DB`)."""
    await asyncio.gather(
        *(
            js.publish(subject, b, headers={"Nats-Msg-Id": str(i)})
            for i, b in zip(ids, bodies, strict=True)
        )
    )
    await _RELAY_DB[0].execute("DELETE FROM outbox WHERE id = ANY($1::uuid[])", ids)


Relay = Callable[[], Coroutine[Any, Any, None]]


async def leads_batch(db: asyncpg.Connection, js: JetStreamContext, msgs: list[Msg]) -> Relay:
    """Contacts, deals, history and outbox in one statement, the leads acked; returns the
    relay's part (publish the DealCreated, delete their outbox rows)."""
    events = [json.loads(m.data) for m in msgs]
    contacts = [uuid.uuid4() for _ in events]
    deals = [uuid.uuid4() for _ in events]
    out_ids = [uuid.uuid4() for _ in events]
    bodies = [
        envelope(str(o), "crm.deal.created.v1", {"deal": {
            "id": str(d), "contact_id": str(c), "stage": "NEW_LEAD",
            "external_id": e["data"].get("external_id"), "source": e["data"].get("source"),
            "requirements": e["data"].get("requirements")}})
        for o, d, c, e in zip(out_ids, deals, contacts, events, strict=True)
    ]  # fmt: skip
    await db.execute(
        WRITE_DEALS, contacts,
        [e["data"]["contact"]["name"] for e in events],
        [e["data"]["contact"].get("phone") for e in events],
        deals, [e["id"] for e in events],
        [e["data"].get("external_id") for e in events],
        [e["data"].get("requirements") for e in events],
        out_ids, DEALS, bodies,
    )  # fmt: skip
    await asyncio.gather(*(m.ack() for m in msgs))
    return lambda: _publish(js, DEALS, out_ids, bodies)


async def tasks_batch(db: asyncpg.Connection, js: JetStreamContext, msgs: list[Msg]) -> Relay:
    """Tasks and outbox in one statement; returns the relay's part (publish the
    TaskOpened, delete their outbox rows) followed by the DealCreated's acks."""
    deals = [uuid.UUID(json.loads(m.data)["data"]["deal"]["id"]) for m in msgs]
    tasks = [uuid.uuid4() for _ in deals]
    out_ids = [uuid.uuid4() for _ in deals]
    bodies = [
        envelope(str(o), "crm.task.opened.v1", {"task": {
            "id": str(t), "deal_id": str(d), "stage": "NEW_LEAD", "title": "Связаться с клиентом"}})
        for o, t, d in zip(out_ids, tasks, deals, strict=True)
    ]  # fmt: skip
    await db.execute(WRITE_TASKS, tasks, deals, out_ids, TASKS, bodies)

    async def relay() -> None:
        await _publish(js, TASKS, out_ids, bodies)
        await asyncio.gather(*(m.ack() for m in msgs))

    return relay


async def serve(stage: str, nats_url: str, database_url: str) -> None:
    """One stage's loop, until killed; prints `ready` once subscribed."""
    nc = await nats.connect(nats_url)
    js = nc.jetstream(timeout=30)
    db = await asyncpg.connect(asyncpg_dsn(database_url))
    if stage == "leads":
        pull = StandingPull(nc, "CRM_LEADS", LEADS_DURABLE, BATCH)
        batch = leads_batch
    else:
        pull = StandingPull(nc, STREAM, TASKS_DURABLE, BATCH)
        batch = tasks_batch
    await pull.start()
    _RELAY_DB.append(await asyncpg.connect(asyncpg_dsn(database_url)))
    print("ready", flush=True)
    relaying: asyncio.Task[None] | None = None
    while True:
        msgs = await pull.next_batch()
        relay = await batch(db, js, msgs)
        # The relay of one batch runs while the next batch is fetched and written, as our
        # services' relay does; one at a time, so the outbox drains in order.
        if relaying is not None:
            await relaying
        relaying = asyncio.create_task(relay())


async def _prepare(nats_url: str, database_url: str) -> None:
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        await conn.execute(SCHEMA)
    finally:
        await conn.close()
    nc = await nats.connect(nats_url)
    js = nc.jetstream(timeout=30)
    try:
        await ensure_streams(js)
        own = StreamConfig(
            name=STREAM, subjects=["bench.bare.>"], storage=StorageType.FILE, duplicate_window=120
        )
        await js.add_stream(own)
        for stream, durable, subject in (
            ("CRM_LEADS", LEADS_DURABLE, LEAD_SUBJECT), (STREAM, TASKS_DURABLE, DEALS),
        ):  # fmt: skip
            await js.add_consumer(stream, ConsumerConfig(
                durable_name=durable, ack_policy=AckPolicy.EXPLICIT, filter_subject=subject,
                max_ack_pending=20_000))  # fmt: skip
    finally:
        await nc.close()


async def _clean_up(nats_url: str, admin_url: str) -> None:
    """The bare consumer, stream and database gone (so no autovacuum of its rows runs into
    the phases measured next), CRM_LEADS empty again."""
    nc = await nats.connect(nats_url)
    js = nc.jetstream(timeout=30)
    try:
        with contextlib.suppress(Exception):
            await js.delete_consumer("CRM_LEADS", LEADS_DURABLE)
        with contextlib.suppress(Exception):
            await js.delete_stream(STREAM)
        await js.purge_stream("CRM_LEADS")
    finally:
        await nc.close()
    await execute(admin_url, 'DROP DATABASE IF EXISTS "bench_bare" WITH (FORCE)')
    await execute(admin_url, "CHECKPOINT")


async def run(
    nats_url: str, admin_url: str, count: int, pids: Pids, timeout: float = 240.0, *,
    paced_rates: tuple[float, ...] = (200.0,), paced_seconds: float = 0.0, places: int = 12,
    in_flight_seconds: float = 0.0,
) -> BareResult:  # fmt: skip
    """`count` leads through the bare pipeline as fast as acks allow; then, if their
    seconds are given, at each of `paced_rates` a second and with `places` in flight (bare_loads).
    `pids`: the servers' processes (nats-server, PostgreSQL), metered with the pipeline's
    own two."""
    database_url = await create_database(admin_url, "bench_bare")
    await _prepare(nats_url, database_url)
    # The URLs (with their passwords) in the environment, not on a command line.
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "CRM_NATS_URL": nats_url,
           "CRM_DATABASE_URL": database_url}  # fmt: skip
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.bare",
            stage,
            env=env,
            cwd=ROOT,
            stdout=asyncio.subprocess.PIPE,
        )
        for stage in ("leads", "tasks")
    ]
    try:
        for p in procs:
            assert p.stdout is not None
            if (await asyncio.wait_for(p.stdout.readline(), 60)).strip() != b"ready":
                raise RuntimeError("bench.bare did not start")
        names = {"bare leads": procs[0].pid, "bare tasks": procs[1].pid}
        meter = Meter(lambda: {**names, **pids})
        nc = await nats.connect(nats_url)
        seen = bare_loads.Seen()
        await nc.subscribe(TASKS, cb=seen.on_msg, pending_msgs_limit=-1)
        await nc.flush()
        js = nc.jetstream(timeout=30)
        try:
            sat = await bare_loads.saturation(js, seen, meter, count, timeout)
            result = BareResult(count, sat.seconds, sat)
            for rate in paced_rates if paced_seconds else ():
                result.paced.append(await bare_loads.at_rate(js, seen, meter, rate, paced_seconds))
            if in_flight_seconds:
                result.in_flight, result.in_flight_rate = await bare_loads.in_flight(
                    js, seen, meter, places, in_flight_seconds
                )
        finally:
            await nc.close()
    finally:
        for p in procs:
            with contextlib.suppress(ProcessLookupError):
                p.kill()
            await p.wait()
        await _clean_up(nats_url, admin_url)
    return result


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        import uvloop

        uvloop.run(serve(sys.argv[1], os.environ["CRM_NATS_URL"], os.environ["CRM_DATABASE_URL"]))
