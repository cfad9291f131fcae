"""What task-service knows of a deal beyond its open tasks: its applied state, its
responsible, every task it had and the names they carry (own tasks and the timeline)."""

from __future__ import annotations

import asyncpg

from task_service.adapters.repository import task_from_row
from task_service.domain.model import DealState, Task
from task_service.settings import SCHEMA


async def deal_state(conn: asyncpg.Connection, deal_id: str) -> DealState:
    """A deal's applied state, held until the transaction ends (version 0: never seen), with
    no row made for an unknown id."""
    row = await conn.fetchrow(
        f"""SELECT deal_id, version, stage, responsible_id, rop_id, closed
            FROM {SCHEMA}.deal_state WHERE deal_id = $1 FOR UPDATE""",
        deal_id,
    )
    return DealState(**dict(row)) if row else DealState(deal_id=deal_id)


async def deal_responsible(conn: asyncpg.Connection, deal_id: str) -> str | None:
    """The deal's responsible as of the latest applied version (None: unknown deal)."""
    value = await conn.fetchval(
        f"SELECT responsible_id FROM {SCHEMA}.deal_state WHERE deal_id = $1", deal_id
    )
    return str(value) if value is not None else None


async def deal_tasks(conn: asyncpg.Connection, deal_id: str) -> list[Task]:
    """Every task of a deal, in the order they were opened."""
    rows = await conn.fetch(
        f"SELECT * FROM {SCHEMA}.tasks WHERE deal_id = $1 ORDER BY seq", deal_id
    )
    return [task_from_row(r) for r in rows]


async def deal_names(conn: asyncpg.Connection, deal_id: str) -> tuple[str | None, str | None]:
    """The deal's title and contact's name as its latest task carries them."""
    row = await conn.fetchrow(
        f"""SELECT deal_title, contact_name FROM {SCHEMA}.tasks
            WHERE deal_id = $1 ORDER BY seq DESC LIMIT 1""",
        deal_id,
    )
    return (row["deal_title"], row["contact_name"]) if row else (None, None)
