"""Concurrency, a database outage and crashes between commit and publish."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg

from bench import relay_fault
from crm_shared.machinery.db import asyncpg_dsn
from tests.services import ServiceProcess, running
from tests.support import Client, eventually, steady


async def stored(client: Client, subject: str) -> list[bytes]:
    """Every message the stream holds on `subject` (what a late consumer would get)."""
    sub = await client.js.pull_subscribe(subject, stream="CRM_EVENTS")
    out: list[bytes] = []
    try:
        while True:
            msgs = await sub.fetch(100, timeout=0.5)
            out += [m.data for m in msgs]
    except TimeoutError:
        pass
    finally:
        await sub.unsubscribe()
    return out


async def test_concurrent_changes_of_one_deal_serialise(clean: Any, client: Client) -> None:
    async with running(clean, "deal-service"):
        deal = (await client.cmd("deal.create", actor_id="mgr-1", contact={"name": "A"}))["deal"]
        attempts = [
            client.cmd("deal.contact_attempt", actor_id="mgr-1", deal_id=deal["id"])
            for _ in range(10)
        ]
        replies = await asyncio.gather(*attempts)
        assert all(r["ok"] for r in replies)
        assert sorted(r["deal"]["version"] for r in replies) == list(range(2, 12))
        final = (
            await client.request("crm.query.deal.get", {"actor_id": "rop-1", "deal_id": deal["id"]})
        )["deal"]
        assert final["contact_attempts"] == 10 and final["version"] == 11

        moves = await asyncio.gather(
            client.cmd("deal.move", actor_id="mgr-1", deal_id=deal["id"], to_stage="LOST_SPAM"),
            client.cmd("deal.move", actor_id="mgr-1", deal_id=deal["id"], to_stage="LOST_SPAM"),
        )
        assert sorted(m["ok"] for m in moves) == [False, True]
        loser = next(m for m in moves if not m["ok"])
        assert loser["error"]["code"] == "transition_not_allowed"


async def test_database_outage_delays_a_lead_and_loses_nothing(clean: Any, client: Client) -> None:
    db = clean.database_url.rsplit("/", 1)[1]
    admin = await asyncpg.connect(asyncpg_dsn(clean.stack.database_url))
    try:
        async with running(clean, "deal-service"):
            await admin.execute(f'ALTER DATABASE "{db}" ALLOW_CONNECTIONS false')
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", db
            )
            ext = await client.publish_lead(contact={"name": "Во время сбоя"})
            await asyncio.sleep(1.5)  # the consumer fails and naks meanwhile
            await admin.execute(f'ALTER DATABASE "{db}" ALLOW_CONNECTIONS true')
            deal = await eventually(lambda: client.deal_by_external(ext), timeout=30)
            assert deal["stage"] == "NEW_LEAD"
    finally:
        await admin.execute(f'ALTER DATABASE "{db}" ALLOW_CONNECTIONS true')
        await admin.close()


async def _crash_then_restart(clean: Any, client: Client, fault: str) -> None:
    crashing = ServiceProcess("deal-service", clean, argv=relay_fault.argv(fault, "deal_service"))
    crashing.start()
    try:
        ext = await client.publish_lead(contact={"name": "После сбоя"})
        code = await crashing.wait_exit(timeout=30)
        assert code == -9  # SIGKILL, by the injected fault
    finally:
        crashing.stop()
    healthy = ServiceProcess("deal-service", clean)
    healthy.start()
    try:
        deal = await eventually(lambda: client.deal_by_external(ext), timeout=30)

        async def one_created() -> bool:
            return len(await stored(client, "crm.deal.created")) >= 1

        await eventually(one_created, timeout=30)

        async def no_copy() -> bool:
            return len(await stored(client, "crm.deal.created")) <= 1

        await steady(no_copy, 0.5)  # a bounded window in which no second copy may show
        created = await stored(client, "crm.deal.created")
        changed = await stored(client, "crm.deal.stage_changed")
        assert len(created) == 1 and deal["id"].encode() in created[0]
        assert len(changed) == 1
    finally:
        healthy.stop()


async def test_killed_after_commit_before_publish(clean: Any, client: Client) -> None:
    await _crash_then_restart(clean, client, "crash_before_publish")


async def test_killed_after_publish_before_outbox_delete(clean: Any, client: Client) -> None:
    await _crash_then_restart(clean, client, "crash_after_publish")
