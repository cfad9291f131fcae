"""The stays idle thresholds are measured over: stage history rows that left a stage
forward within the window, read on the partial index `stage_history_left_at` (from_stage,
at, including from_stage_seconds), one aggregate per stage."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from deal_service.settings import SCHEMA


async def forward_stays(
    conn: asyncpg.Connection, pairs: list[tuple[str, str]], since: datetime, percentile: float
) -> dict[str, tuple[int, float | None]]:
    """stage → (how many forward moves out of it since `since`, the `percentile` of how
    long those deals had stayed, in seconds)."""
    if not pairs:
        return {}
    rows = await conn.fetch(
        f"""SELECT h.from_stage AS stage, count(*) AS n,
                   percentile_cont($4::float8) WITHIN GROUP (ORDER BY h.from_stage_seconds) AS p
            FROM {SCHEMA}.stage_history h
            JOIN unnest($1::text[], $2::text[]) AS f(from_stage, to_stage)
              ON f.from_stage = h.from_stage AND f.to_stage = h.to_stage
            WHERE h.from_stage_seconds IS NOT NULL AND h.at >= $3
            GROUP BY h.from_stage""",
        [a for a, _ in pairs],
        [b for _, b in pairs],
        since,
        percentile,
    )
    return {r["stage"]: (int(r["n"]), r["p"]) for r in rows}
