"""Requests awaiting the РОП's agreement (rule 6), kept beside the deal they are about.

A move refused with `rop_approval_required` leaves one row per deal (the stage asked for,
who asked, when); the deal's next move, the РОП's agreement included, removes it. So the
РОП's page lists what is waiting whatever happened to the notifications that told them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg

from crm_shared.machinery.outbox import UnitOfWork
from deal_service.adapters.repository import SELECT_DEALS, deal_from_row
from deal_service.domain.model import Deal
from deal_service.settings import SCHEMA


def asked(uow: UnitOfWork, deal_id: str, to_stage: str, asked_by: str, at: datetime) -> None:
    """Record (or renew) the deal's request, written at commit."""
    uow.defer(
        f"""INSERT INTO {SCHEMA}.approval_requests (deal_id, to_stage, asked_by, asked_at)
            VALUES ($1, $2, $3, $4)
            ON CONFLICT (deal_id) DO UPDATE
            SET to_stage = EXCLUDED.to_stage, asked_by = EXCLUDED.asked_by,
                asked_at = EXCLUDED.asked_at""",
        deal_id,
        to_stage,
        asked_by,
        at,
    )


def settled(uow: UnitOfWork, deal_id: str) -> None:
    """The deal moved: whatever it was waiting for is over."""
    uow.defer(f"DELETE FROM {SCHEMA}.approval_requests WHERE deal_id = $1", deal_id)


async def take(conn: asyncpg.Connection, deal_id: str) -> dict[str, Any] | None:
    """Remove the deal's waiting request now (in the caller's transaction) and return it
    ({to_stage, asked_by, asked_at}), or None if none waited."""
    row = await conn.fetchrow(
        f"""DELETE FROM {SCHEMA}.approval_requests WHERE deal_id = $1
            RETURNING to_stage, asked_by, asked_at""",
        deal_id,
    )
    return dict(row) if row else None


async def waiting(conn: asyncpg.Connection, deal_id: str) -> dict[str, Any] | None:
    """The deal's waiting request ({to_stage, asked_by, asked_at}), or None."""
    row = await conn.fetchrow(
        f"""SELECT to_stage, asked_by, asked_at FROM {SCHEMA}.approval_requests
            WHERE deal_id = $1""",
        deal_id,
    )
    return dict(row) if row else None


async def pending(
    conn: asyncpg.Connection, *, rop_id: str | None, responsible_id: str | None, limit: int
) -> list[tuple[Deal, dict[str, Any]]]:
    """Waiting requests, oldest first, with their deals: of the deals whose РОП is `rop_id`
    (or that have none), and of `responsible_id`'s deals, each filter when given."""
    rows = await conn.fetch(
        f"""SELECT x.*, a.to_stage AS a_to_stage, a.asked_by AS a_asked_by,
                   a.asked_at AS a_asked_at
            FROM {SCHEMA}.approval_requests a JOIN ({SELECT_DEALS}) x ON x.id = a.deal_id
            WHERE ($1::text IS NULL OR x.rop_id = $1 OR x.rop_id IS NULL)
              AND ($2::text IS NULL OR x.responsible_id = $2)
            ORDER BY a.asked_at, a.deal_id LIMIT $3""",
        rop_id,
        responsible_id,
        limit,
    )
    return [
        (
            deal_from_row(row),
            {"to_stage": row["a_to_stage"], "asked_by": row["a_asked_by"], "at": row["a_asked_at"]},
        )
        for row in rows
    ]
