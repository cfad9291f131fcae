"""Overdue tasks counted per responsible (schema `task`), for the funnel report.

Besides the counts, each responsible's latest overdue tasks with their last comment: the
РОП sees who let which task lapse and what they answered when asked why (SPEC §3 rule 3).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import asyncpg

SCHEMA = "task"
TASKS_PER_RESPONSIBLE = 20
"""How many overdue tasks are listed per responsible (the latest deadlines first)."""


@dataclass(frozen=True)
class OverdueCount:
    """How many of one responsible's tasks are or were overdue; `still_open` of them now."""

    responsible_id: str | None
    overdue: int
    still_open: int
    tasks: list[dict[str, Any]] = field(default_factory=list)


async def overdue_by_responsible(
    conn: asyncpg.Connection, start: datetime | None, end: datetime | None, now: datetime
) -> list[OverdueCount]:
    """Tasks whose deadline passed before they closed (or before `now`, while open).

    With `start` / `end`, only deadlines in [start, end): the tasks that fell due in the
    period. One grouped scan, on the deadline index when the period is narrow.
    """
    rows = await conn.fetch(
        f"""WITH o AS (
              SELECT id, deal_id, title, responsible_id, deadline, status, closed_at,
                     comments -> -1 AS last_comment
              FROM {SCHEMA}.tasks
              WHERE deadline < coalesce(closed_at, $3)
                AND ($1::timestamptz IS NULL OR deadline >= $1)
                AND ($2::timestamptz IS NULL OR deadline < $2))
            SELECT responsible_id, count(*) AS overdue,
                   count(*) FILTER (WHERE status = 'open') AS still_open,
                   (array_agg(jsonb_build_object(
                      'id', id, 'deal_id', deal_id, 'title', title, 'deadline', deadline,
                      'status', status, 'closed_at', closed_at, 'last_comment', last_comment)
                    ORDER BY deadline DESC, id))[1:$4] AS tasks
            FROM o
            GROUP BY responsible_id
            ORDER BY overdue DESC, responsible_id""",
        start,
        end,
        now,
        TASKS_PER_RESPONSIBLE,
    )
    return [
        OverdueCount(
            r["responsible_id"],
            int(r["overdue"]),
            int(r["still_open"]),
            [json.loads(t) for t in r["tasks"]],
        )
        for r in rows
    ]
