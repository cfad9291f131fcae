"""Overdue tasks counted per responsible (schema `task`), for the funnel report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

SCHEMA = "task"


@dataclass(frozen=True)
class OverdueCount:
    """How many of one responsible's tasks are or were overdue; `still_open` of them now."""

    responsible_id: str | None
    overdue: int
    still_open: int


async def overdue_by_responsible(
    conn: asyncpg.Connection, start: datetime | None, end: datetime | None, now: datetime
) -> list[OverdueCount]:
    """Tasks whose deadline passed before they closed (or before `now`, while open).

    With `start` / `end`, only deadlines in [start, end): the tasks that fell due in the
    period. One grouped scan, on the deadline index when the period is narrow.
    """
    rows = await conn.fetch(
        f"""SELECT responsible_id, count(*) AS overdue,
                   count(*) FILTER (WHERE status = 'open') AS still_open
            FROM {SCHEMA}.tasks
            WHERE deadline < coalesce(closed_at, $3)
              AND ($1::timestamptz IS NULL OR deadline >= $1)
              AND ($2::timestamptz IS NULL OR deadline < $2)
            GROUP BY responsible_id
            ORDER BY overdue DESC, responsible_id""",
        start,
        end,
        now,
    )
    return [
        OverdueCount(r["responsible_id"], int(r["overdue"]), int(r["still_open"])) for r in rows
    ]
