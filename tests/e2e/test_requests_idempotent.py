"""A command's request_id makes a retry harmless: the first reply, nothing changed again."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import asyncpg

from crm_shared.machinery import inbox
from crm_shared.machinery.db import asyncpg_dsn
from tests.services import running
from tests.support import Client, eventually


async def test_a_retried_create_or_contact_attempt_is_applied_once(
    clean: Any, client: Client
) -> None:
    async with running(clean, "deal-service"):
        first = await client.cmd("deal.create", actor_id="mgr-1", title="A", request_id="r-1")
        again = await client.cmd("deal.create", actor_id="mgr-1", title="A", request_id="r-1")
        assert first["ok"] and again == first
        assert len(await client.deals()) == 1
        other = await client.cmd("deal.create", actor_id="mgr-2", title="A", request_id="r-1")
        assert other["deal"]["id"] != first["deal"]["id"]  # the key is per actor
        deal_id = first["deal"]["id"]
        tried = [
            await client.cmd(
                "deal.contact_attempt", actor_id="mgr-1", deal_id=deal_id, request_id="r-2"
            )
            for _ in range(3)
        ]
        assert tried[0]["deal"]["contact_attempts"] == 1 and tried[1:] == tried[:1] * 2
        shown = await client.request(
            "crm.query.deal.get", {"actor_id": "rop-1", "deal_id": deal_id}
        )
        assert shown["deal"]["contact_attempts"] == 1
        reused = await client.cmd(
            "deal.contact_attempt", actor_id="mgr-1", deal_id=deal_id, request_id="r-1"
        )
        assert reused["error"]["code"] == "invalid" and "crm.cmd.deal.create" in str(reused)


async def test_a_retried_refusal_is_the_same_refusal(clean: Any, client: Client) -> None:
    async with running(clean, "deal-service"):
        deal = (await client.cmd("deal.create", actor_id="mgr-1"))["deal"]
        body = {"actor_id": "mgr-1", "deal_id": deal["id"], "to_stage": "OFFER_MADE"}
        first = await client.cmd("deal.move", request_id="m-1", **body)
        again = await client.cmd("deal.move", request_id="m-1", **body)
        assert first["ok"] is False and again == first

        # Everything committed has been published once the outbox is empty.
        async def drained() -> bool:
            return await _rows(clean, "SELECT count(*) FROM deal.outbox") == 0

        await eventually(drained)
    info = await client.js.stream_info("CRM_EVENTS", subjects_filter="crm.deal.move_rejected")
    assert info.state.subjects == {"crm.deal.move_rejected": 1}


async def _rows(infra: Any, sql: str) -> int:
    conn = await asyncpg.connect(asyncpg_dsn(infra.database_url))
    try:
        value: int = await conn.fetchval(sql)
        return value
    finally:
        await conn.close()


async def test_handled_requests_are_pruned_after_a_day(clean: Any) -> None:
    pool = await asyncpg.create_pool(asyncpg_dsn(clean.database_url), min_size=1, max_size=2)
    try:
        for schema in ("deal", "task", "notifier"):
            await pool.execute(
                f"""INSERT INTO {schema}.handled_requests (actor_id, request_id, subject, reply,
                        received_at)
                    VALUES ('a', 'old', 's', '{{}}', now() - interval '25 hours'),
                           ('a', 'new', 's', '{{}}', now() - interval '23 hours')"""
            )
            pruned = await inbox.prune(pool, schema, timedelta(hours=24), "handled_requests")
            assert pruned == 1
            left = await pool.fetch(f"SELECT request_id FROM {schema}.handled_requests")
            assert [r["request_id"] for r in left] == ["new"]
    finally:
        await pool.close()


async def test_the_same_request_twice_at_once_makes_one_deal(clean: Any, client: Client) -> None:
    async with running(clean, "deal-service"):
        replies = await asyncio.gather(
            *(client.cmd("deal.create", actor_id="mgr-1", request_id="twin") for _ in range(4))
        )
        done = [r for r in replies if r["ok"]]
        assert done and all(r == done[0] for r in done), replies
        assert all(r["ok"] or r["error"]["code"] == "unavailable" for r in replies), replies
        assert len(await client.deals()) == 1
        again = await client.cmd("deal.create", actor_id="mgr-1", request_id="twin")
        assert again == done[0]


async def test_the_notifier_commands_take_a_request_id_too(clean: Any, client: Client) -> None:
    async with running(clean, "notifier"):
        commands: list[tuple[str, dict[str, Any]]] = [
            ("notify.read", {"actor_id": "mgr-1", "all": True}),
            ("notify.retry", {"actor_id": "rop-1", "delivery_ids": ["d-1"]}),
        ]
        for name, body in commands:
            first = await client.cmd(name, request_id=f"{name}-1", **body)
            again = await client.cmd(name, request_id=f"{name}-1", **body)
            assert first["ok"] and again == first, (first, again)
    kept = await _rows(clean, "SELECT count(*) FROM notifier.handled_requests")
    assert kept == 2


async def test_a_request_id_used_again_after_a_day_is_a_new_request(
    clean: Any, client: Client
) -> None:
    async with running(clean, "deal-service"):
        first = await client.cmd("deal.create", actor_id="mgr-1", request_id="daily")
        # A day later; the pruner has not come by yet, so the old row is still there.
        aged = await _rows(
            clean,
            """WITH aged AS (UPDATE deal.handled_requests
                    SET received_at = now() - interval '25 hours' RETURNING 1)
               SELECT count(*) FROM aged""",
        )
        assert aged == 1
        later = await client.cmd("deal.create", actor_id="mgr-1", request_id="daily")
        assert later["ok"], later
        assert later["deal"]["id"] != first["deal"]["id"]
        again = await client.cmd("deal.create", actor_id="mgr-1", request_id="daily")
        assert again == later  # and that one is now the first reply for the next 24 hours
        assert len(await client.deals()) == 2
