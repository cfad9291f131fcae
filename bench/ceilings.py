"""The ceilings: what nats-py alone and asyncpg alone reach on the same servers."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid

import asyncpg
import nats
from nats.js.api import StorageType, StreamConfig

from crm_shared.machinery.db import asyncpg_dsn

# Message size close to a lead's envelope, so the figure compares with end to end.
_PAYLOAD = b'{"specversion":"1.0","type":"bench"' + b" " * 400 + b"}"


async def jetstream_publish_rate(nats_url: str, count: int = 20_000, window: int = 500) -> float:
    """Publishes per second into a file stream, each awaited for its ack, `window` at once."""
    nc = await nats.connect(nats_url)
    js = nc.jetstream(timeout=30)
    try:
        with contextlib.suppress(Exception):
            await js.delete_stream("BENCH_CEILING")
        await js.add_stream(
            StreamConfig(
                name="BENCH_CEILING",
                subjects=["bench.ceiling"],
                storage=StorageType.FILE,
                duplicate_window=120,
            )
        )
        start = time.perf_counter()
        for i in range(0, count, window):
            await asyncio.gather(
                *(
                    js.publish("bench.ceiling", _PAYLOAD, headers={"Nats-Msg-Id": f"c-{n}"})
                    for n in range(i, min(i + window, count))
                )
            )
        elapsed = time.perf_counter() - start
        await js.delete_stream("BENCH_CEILING")
        return count / elapsed
    finally:
        await nc.close()


async def postgres_tx_rate(database_url: str, count: int = 6_000, connections: int = 10) -> float:
    """Transactions per second, each 3 INSERTs (contact, deal, history) and a COMMIT.

    One transaction per event, from `connections` connections at once (the services' pool
    size): the figure a pipeline without batching cannot beat.
    """
    dsn = asyncpg_dsn(database_url)
    setup = await asyncpg.connect(dsn)
    await setup.execute("""
        DROP SCHEMA IF EXISTS bench_ceiling CASCADE;
        CREATE SCHEMA bench_ceiling;
        CREATE TABLE bench_ceiling.contacts (id TEXT PRIMARY KEY, name TEXT, phone TEXT);
        CREATE TABLE bench_ceiling.deals (id TEXT PRIMARY KEY, contact_id TEXT
            REFERENCES bench_ceiling.contacts (id), stage TEXT, created_at TIMESTAMPTZ);
        CREATE TABLE bench_ceiling.history (id BIGSERIAL PRIMARY KEY, deal_id TEXT
            REFERENCES bench_ceiling.deals (id), stage TEXT, at TIMESTAMPTZ);
    """)
    pool = await asyncpg.create_pool(dsn, min_size=connections, max_size=connections)
    assert pool is not None
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(count):
        queue.put_nowait(n)

    async def worker() -> None:
        async with pool.acquire() as conn:
            while not queue.empty():
                n = queue.get_nowait()
                cid, did = str(uuid.uuid4()), str(uuid.uuid4())
                async with conn.transaction():
                    await conn.execute(
                        "INSERT INTO bench_ceiling.contacts VALUES ($1, $2, $3)",
                        cid,
                        f"Клиент {n}",
                        f"+79{n:09d}",
                    )
                    await conn.execute(
                        "INSERT INTO bench_ceiling.deals VALUES ($1, $2, 'NEW_LEAD', now())",
                        did,
                        cid,
                    )
                    await conn.execute(
                        "INSERT INTO bench_ceiling.history (deal_id, stage, at) "
                        "VALUES ($1, 'NEW_LEAD', now())",
                        did,
                    )

    try:
        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(connections)))
        elapsed = time.perf_counter() - start
    finally:
        await pool.close()
        await setup.execute("DROP SCHEMA bench_ceiling CASCADE")
        await setup.close()
    return count / elapsed
