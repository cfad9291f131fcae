"""Migration 0005: a deal keeps only the contact attempts of its current stage."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from crm_shared.db import asyncpg_dsn
from tests.test_analytics_migration import scratch_database, upgrade

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


async def test_attempts_before_the_current_stage_no_longer_count(clean: Any) -> None:
    async with scratch_database(clean.stack.database_url) as old:
        await asyncio.to_thread(upgrade, old, "0004")
        conn = await asyncpg.connect(asyncpg_dsn(old))
        try:
            for deal_id, stage, attempts in (("moved", "PROCESSING", 4), ("stayed", "NEW_LEAD", 2)):
                await conn.execute(
                    """INSERT INTO deal.deals (id, version, stage, contact_attempts, created_at,
                         updated_at) VALUES ($1, 3, $2, $3, $4, $4)""",
                    deal_id, stage, attempts, T0,
                )  # fmt: skip
                await conn.execute(
                    """INSERT INTO deal.stage_history (deal_id, to_stage, version, at)
                       VALUES ($1, 'NEW_LEAD', 1, $2)""",
                    deal_id, T0,
                )  # fmt: skip
            await conn.execute(
                """INSERT INTO deal.stage_history (deal_id, from_stage, to_stage, version, at)
                   VALUES ('moved', 'NEW_LEAD', 'PROCESSING', 4, $1)""",
                T0 + timedelta(hours=3),
            )
            for deal_id, hours, note in (
                ("moved", 1, "на NEW_LEAD"),
                ("moved", 2, "на NEW_LEAD"),
                ("moved", 4, "на PROCESSING"),
                ("stayed", 1, "первая"),
                ("stayed", 2, None),
            ):
                await conn.execute(
                    """INSERT INTO deal.contact_attempts (deal_id, actor_id, note, at)
                       VALUES ($1, 'mgr-1', $2, $3)""",
                    deal_id, note, T0 + timedelta(hours=hours),
                )  # fmt: skip
        finally:
            await conn.close()
        await asyncio.to_thread(upgrade, old, "head")
        conn = await asyncpg.connect(asyncpg_dsn(old))
        try:
            rows = {
                r["id"]: (r["contact_attempts"], json.loads(r["stage_attempts"]))
                for r in await conn.fetch("SELECT * FROM deal.deals")
            }
        finally:
            await conn.close()
    count, attempts = rows["moved"]
    assert count == 1 and [a["note"] for a in attempts] == ["на PROCESSING"]
    count, attempts = rows["stayed"]
    assert count == 2 and [a["note"] for a in attempts] == ["первая", None]
    assert datetime.fromisoformat(attempts[0]["at"]) == T0 + timedelta(hours=1)
