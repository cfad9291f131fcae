"""task-service killed (SIGKILL) in the middle of a stream of leads, then restarted.

Whatever the crash cut short is redelivered (after the consumer's ack wait) and recognised
by the deal version and the inbox: afterwards every open deal has exactly one open task, and
the stream holds exactly one TaskOpened per task.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import asyncpg
import pytest

from crm_shared.machinery.db import asyncpg_dsn
from tests.services import ServiceProcess, running
from tests.support import Client, eventually
from tests.tasks_support import drained

LEADS = 1000


async def _count(db: asyncpg.Connection, sql: str) -> int:
    return int(await db.fetchval(sql))


async def _stored_task_opened(client: Client) -> list[dict[str, Any]]:
    """Every crm.task.opened the stream holds (not what core subscribers happened to see)."""
    sub = await client.js.pull_subscribe("crm.task.opened", stream="CRM_EVENTS")
    found: list[dict[str, Any]] = []
    while True:
        try:
            msgs = await sub.fetch(500, timeout=1)
        except TimeoutError:
            break
        for msg in msgs:
            found.append(json.loads(msg.data)["data"]["task"])
            await msg.ack()
    await sub.unsubscribe()
    return found


@pytest.mark.slow
async def test_killed_mid_stream_of_leads_opens_each_task_once(clean: Any, client: Client) -> None:
    db = await asyncpg.connect(asyncpg_dsn(clean.database_url))
    # Small batches: the crash lands between many commits, not before the first one.
    env = {"CRM_TASK_BATCH_SIZE": "50"}
    first = ServiceProcess("task-service", clean, env)
    second = ServiceProcess("task-service", clean, env)
    try:
        async with running(clean, "deal-service"):
            first.start()
            for start in range(0, LEADS, 100):
                await asyncio.gather(
                    *(client.publish_lead(external_id=f"L-{n}") for n in range(start, start + 100))
                )

            async def under_way() -> bool:
                return await _count(db, "SELECT count(*) FROM task.tasks") >= LEADS // 4

            await eventually(under_way, timeout=30, interval=0.01)
            first.kill()
            at_kill = await _count(db, "SELECT count(*) FROM task.tasks")
            assert at_kill < LEADS, "task-service finished before it could be killed"
            second.start()

            async def all_opened() -> bool:
                return await _count(db, "SELECT count(*) FROM task.tasks") >= LEADS

            await eventually(all_opened, timeout=60, interval=0.2)
            # All tasks may exist while the killed process's last batch (committed, never
            # acked) still waits out the consumer's 30 s ack wait: its redelivery must
            # change nothing, so wait for it before judging.
            await eventually(lambda: drained(client), timeout=45, interval=0.2)
            deals = await _count(db, "SELECT count(*) FROM deal.deals")
    finally:
        first.stop()
        second.stop()
    try:
        assert deals == LEADS
        assert await _count(db, "SELECT count(*) FROM task.tasks WHERE status = 'open'") == LEADS
        twice = await _count(
            db,
            "SELECT count(*) FROM (SELECT deal_id FROM task.tasks GROUP BY deal_id "
            "HAVING count(*) > 1) d",
        )
        assert twice == 0
        assert await _count(db, "SELECT count(DISTINCT deal_id) FROM task.tasks") == LEADS
    finally:
        await db.close()
    opened = await _stored_task_opened(client)
    assert len(opened) == LEADS
    assert len({t["id"] for t in opened}) == LEADS
    assert len({t["deal_id"] for t in opened}) == LEADS
