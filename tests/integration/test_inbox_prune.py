"""Inbox rows older than the retention are deleted (in chunks); newer ones stay."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import asyncpg

from crm_shared.machinery import inbox
from crm_shared.machinery.db import asyncpg_dsn


async def test_prune_deletes_only_rows_older_than_the_retention(
    clean: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(inbox, "PRUNE_CHUNK", 7)  # several chunks
    pool = await asyncpg.create_pool(asyncpg_dsn(clean.database_url), min_size=1, max_size=2)
    try:
        await pool.execute(
            """INSERT INTO task.inbox (consumer, event_id, received_at)
               SELECT 'c', 'old-' || n, now() - interval '8 days' FROM generate_series(1, 30) n
               UNION ALL
               SELECT 'c', 'new-' || n, now() - interval '6 days' FROM generate_series(1, 5) n"""
        )
        assert await inbox.prune(pool, "task", timedelta(days=7)) == 30
        left = await pool.fetch("SELECT event_id FROM task.inbox ORDER BY event_id")
        assert [r["event_id"] for r in left] == [f"new-{n}" for n in range(1, 6)]
        assert await inbox.prune(pool, "task", timedelta(days=7)) == 0
        # The index the pruning reads through exists in every service's schema.
        indexed = await pool.fetch(
            "SELECT schemaname FROM pg_indexes WHERE indexname = 'inbox_received_at'"
        )
        assert {r["schemaname"] for r in indexed} == {"deal", "task", "notifier"}
    finally:
        await pool.close()
