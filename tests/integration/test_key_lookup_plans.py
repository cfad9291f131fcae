"""task-service's batch read finds its deal states through their key, even on a young table.

asyncpg prepares every statement and PostgreSQL keeps a generic plan for it. Made while a
table was young (a few hundred rows: a new installation, an import, every `make bench`), the
plan of task-service's batch read, with the server's default random_page_cost of 4, read
the whole deal-state table to lock the batch's few rows, and went on doing so as the table
grew: 13 ms a batch at 20,000 deals (issue 25, found with `bench.statements`). The service
connects with `db.KEY_LOOKUPS` (random_page_cost 1.1). A table analysed while it held about
50 rows still gets the whole-table plan until its next ANALYZE (autovacuum's, after 50 rows
and a tenth of the table changed); one analysed at 200 rows, as here, no longer does.
"""

from __future__ import annotations

import re
from typing import Any

import asyncpg
import pytest

from crm_shared.machinery.db import KEY_LOOKUPS, asyncpg_dsn
from task_service.adapters import repository
from tests.services import build


class _Said:
    """A connection that only remembers the statement it was given."""

    sql = ""

    async def fetchrow(self, sql: str, *args: Any) -> dict[str, list[Any]]:
        self.sql = sql
        return {"fresh": [], "states": [("d1", 0, None, None, None, False)], "tasks": []}


async def _plan(url: str, sql: str, planner: dict[str, str] | None) -> str:
    """The generic plan of `sql` on young copies of task-service's tables: 200 deal states,
    each updated once (as every deal event does), then analysed (autovacuum's first
    ANALYZE of a new installation's table comes at about that size)."""
    conn = await asyncpg.connect(asyncpg_dsn(url), server_settings=planner)
    young = conn.transaction()  # rolled back: the copies go with it
    await young.start()
    try:
        await conn.execute("CREATE SCHEMA young")
        for table in ("inbox", "deal_state", "tasks"):
            await conn.execute(
                f"CREATE TABLE young.{table} (LIKE task.{table} INCLUDING ALL)"
                " WITH (autovacuum_enabled = false)"
            )
        await conn.execute(
            "INSERT INTO young.deal_state (deal_id) SELECT 'd' || n FROM generate_series(1, 200) n"
        )
        await conn.execute("UPDATE young.deal_state SET version = 1")
        await conn.execute("ANALYZE young.deal_state")
        await conn.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        text = sql.replace('"task".', "young.").replace("task.", "young.")
        await conn.execute(f"PREPARE batch AS {text}")
        params = max(int(n) for n in re.findall(r"\$(\d+)", text))
        nulls = ", ".join(["NULL"] * params)
        return "\n".join(r[0] for r in await conn.fetch(f"EXPLAIN EXECUTE batch({nulls})"))
    finally:
        await young.rollback()
        await conn.close()


@pytest.fixture
async def batch_read() -> str:
    said = _Said()
    await repository.read_batch(said, "task-service", ["e1"], ["d1"])
    return said.sql


async def test_the_batch_read_locks_deal_states_by_key(infra: Any, batch_read: str) -> None:
    plan = await _plan(infra.database_url, batch_read, KEY_LOOKUPS)
    assert "Seq Scan on deal_state" not in plan, plan
    assert "deal_state_pkey" in plan, plan
    # Why the service sets its own costs: with the server's defaults, the whole table.
    plan = await _plan(infra.database_url, batch_read, None)
    assert "Seq Scan on deal_state" in plan, plan


@pytest.mark.parametrize("name", ["task-service", "notifier", "deal-service"])
def test_who_connects_with_key_lookup_costs(name: str) -> None:
    """task-service and the notifier; deal-service's analytics and search keep the server's."""
    service = build(name, "nats://unused", "postgresql://unused/crm")
    expected = None if name == "deal-service" else KEY_LOOKUPS
    assert service.runtime.planner == expected
