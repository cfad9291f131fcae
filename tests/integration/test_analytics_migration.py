"""Migration 0002 fills the analytics columns of rows written before it, as its trigger would."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
from alembic import command

from crm_shared.machinery.db import alembic_config, asyncpg_dsn
from tests.analytics_fixture import insert_deals

MIGRATIONS = (
    Path(__file__).resolve().parents[2]
    / "services"
    / "deal-service"
    / "deal_service"
    / "migrations"
)
FACTS = """SELECT deal_id, version, to_stage, deal_created_at, from_entered_at, first_entry,
                  from_stage_seconds
           FROM deal.stage_history ORDER BY deal_id, version"""


def upgrade(database_url: str, revision: str) -> None:
    command.upgrade(alembic_config(database_url, MIGRATIONS), revision)


@contextlib.asynccontextmanager
async def scratch_database(server_url: str) -> AsyncIterator[str]:
    """An empty database beside the suite's, dropped afterwards."""
    name = f"crm_migration_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(asyncpg_dsn(server_url))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield server_url.rsplit("/", 1)[0] + "/" + name
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def facts(url: str) -> list[tuple[Any, ...]]:
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        return [tuple(r) for r in await conn.fetch(FACTS)]
    finally:
        await conn.close()


async def test_backfill_matches_the_trigger(clean: Any) -> None:
    # The same history written after 0002 (the trigger fills the columns) ...
    conn = await asyncpg.connect(asyncpg_dsn(clean.database_url))
    try:
        await insert_deals(conn)
    finally:
        await conn.close()
    by_trigger = await facts(clean.database_url)
    # ... and before it (0002's UPDATE fills them).
    async with scratch_database(clean.stack.database_url) as old:
        await asyncio.to_thread(upgrade, old, "0001")
        conn = await asyncpg.connect(asyncpg_dsn(old))
        try:
            await insert_deals(conn)
        finally:
            await conn.close()
        await asyncio.to_thread(upgrade, old, "head")
        by_backfill = await facts(old)
    assert by_backfill == by_trigger
    d5 = [row for row in by_trigger if row[0] == "d5"]
    assert [(r[2], r[5]) for r in d5] == [
        ("NEW_LEAD", True),
        ("PROCESSING", True),
        ("NEW_LEAD", False),
        ("PROCESSING", False),
    ]
    assert d5[0][4] is None and all(r[4] is not None for r in d5[1:])
    assert [r[6] for r in d5] == [None, 600.0, 3600.0, 7200.0]  # 10 min, 1 h, 2 h


OPEN_STAYS = "SELECT deal_id, stage, entered_at, deal_created_at FROM deal.open_stays ORDER BY 1"


async def _open_stays(url: str) -> list[tuple[Any, ...]]:
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        return [tuple(r) for r in await conn.fetch(OPEN_STAYS)]
    finally:
        await conn.close()


async def test_open_stays_backfill_matches_the_trigger(clean: Any) -> None:
    """Migration 0007 fills `open_stays` from the history written before it, as its trigger
    keeps it for history written after."""
    conn = await asyncpg.connect(asyncpg_dsn(clean.database_url))
    try:
        await insert_deals(conn)
    finally:
        await conn.close()
    by_trigger = await _open_stays(clean.database_url)
    assert ("d5", "PROCESSING") in {(r[0], r[1]) for r in by_trigger}
    async with scratch_database(clean.stack.database_url) as old:
        await asyncio.to_thread(upgrade, old, "0004")
        conn = await asyncpg.connect(asyncpg_dsn(old))
        try:
            await insert_deals(conn)
        finally:
            await conn.close()
        await asyncio.to_thread(upgrade, old, "head")
        by_backfill = await _open_stays(old)
    assert by_backfill == by_trigger
