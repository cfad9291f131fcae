"""The funnel report's counts, in set-based SQL over deals and the stage history.

Each function is one statement. The stage-history columns `deal_created_at`,
`from_stage_seconds` and `first_entry` are kept by a trigger (migration 0002), so no query
joins a million deals to their history or sorts rows by deal: "reached" is an index-only
count per stage and "time in a stage" one sort of stored floats per stage. A report runs
its statements on several connections at once, all reading one exported snapshot, so the
numbers agree with each other as if one statement had read them.
"""

from __future__ import annotations

import re
from datetime import datetime

import asyncpg

from deal_service.domain.funnel import DealTotal, LossComment, StageTime
from deal_service.settings import SCHEMA

_SNAPSHOT_ID = re.compile(r"^[0-9A-F]+-[0-9A-F]+(-[0-9]+)?$")
# Per transaction: JIT compiling these plans costs more (~0.3 s) than it saves, and the
# percentile sorts of a large period want memory rather than temporary files.
_SESSION = ("SET LOCAL jit = off", "SET LOCAL work_mem = '64MB'")


async def export_snapshot(conn: asyncpg.Connection) -> str:
    """Make this (just begun) transaction a snapshot others can read; returns its id."""
    await conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
    for statement in _SESSION:
        await conn.execute(statement)
    return str(await conn.fetchval("SELECT pg_export_snapshot()"))


async def import_snapshot(conn: asyncpg.Connection, snapshot: str) -> None:
    """Read, in this (just begun) transaction, exactly what `export_snapshot`'s reads."""
    if not _SNAPSHOT_ID.match(snapshot):  # it is spliced into SQL: SET takes no parameters
        raise ValueError(f"not a snapshot id: {snapshot!r}")
    await conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
    await conn.execute(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
    for statement in _SESSION:
        await conn.execute(statement)


async def deal_totals(
    conn: asyncpg.Connection, start: datetime, end: datetime, responsible_id: str | None
) -> list[DealTotal]:
    """The period's deals by current stage and currency: created, won, lost, won sums."""
    rows = await conn.fetch(
        f"""SELECT stage, currency, count(*) AS n, sum(amount) AS amount
            FROM {SCHEMA}.deals
            WHERE created_at >= $1 AND created_at < $2
              AND ($3::text IS NULL OR responsible_id = $3)
            GROUP BY stage, currency""",
        start,
        end,
        responsible_id,
    )
    return [DealTotal(r["stage"], r["currency"], int(r["n"]), r["amount"]) for r in rows]


async def reached(
    conn: asyncpg.Connection,
    stages: list[str],
    start: datetime,
    end: datetime,
    responsible_id: str | None,
) -> dict[str, int]:
    """How many of the period's deals entered each stage (re-entries count once)."""
    if responsible_id is None:
        rows = await conn.fetch(
            f"""SELECT s.code,
                       (SELECT count(*) FROM {SCHEMA}.stage_history h
                        WHERE h.to_stage = s.code AND h.first_entry
                          AND h.deal_created_at >= $2 AND h.deal_created_at < $3) AS n
                FROM unnest($1::text[]) AS s(code)""",
            stages,
            start,
            end,
        )
    else:
        # One manager's deals are a fraction of the table: join them to their history.
        rows = await conn.fetch(
            f"""SELECT h.to_stage AS code, count(*) AS n
                FROM {SCHEMA}.deals d JOIN {SCHEMA}.stage_history h ON h.deal_id = d.id
                WHERE d.responsible_id = $3 AND d.created_at >= $1 AND d.created_at < $2
                  AND h.first_entry
                GROUP BY h.to_stage""",
            start,
            end,
            responsible_id,
        )
    return {r["code"]: int(r["n"]) for r in rows}


_PERCENTILES = "percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY h.from_stage_seconds)"


async def stage_times(
    conn: asyncpg.Connection,
    stages: list[str],
    start: datetime,
    end: datetime,
    responsible_id: str | None,
) -> list[StageTime]:
    """Completed stays of the period's deals per stage: count, median and p90 seconds."""
    if responsible_id is None:
        rows = await conn.fetch(
            f"""SELECT s.code, t.n, t.p
                FROM unnest($1::text[]) AS s(code),
                LATERAL (SELECT count(*) AS n, {_PERCENTILES} AS p
                         FROM {SCHEMA}.stage_history h
                         WHERE h.from_stage = s.code AND h.from_stage_seconds IS NOT NULL
                           AND h.deal_created_at >= $2 AND h.deal_created_at < $3) AS t""",
            stages,
            start,
            end,
        )
    else:
        rows = await conn.fetch(
            f"""SELECT h.from_stage AS code, count(*) AS n, {_PERCENTILES} AS p
                FROM {SCHEMA}.deals d JOIN {SCHEMA}.stage_history h ON h.deal_id = d.id
                WHERE d.responsible_id = $3 AND d.created_at >= $1 AND d.created_at < $2
                  AND h.from_stage_seconds IS NOT NULL
                GROUP BY h.from_stage""",
            start,
            end,
            responsible_id,
        )
    return [
        StageTime(r["code"], int(r["n"]), *(r["p"] if r["p"] else (None, None)))
        for r in rows
        if r["n"]
    ]


async def loss_comments(
    conn: asyncpg.Connection,
    failure_stages: list[str],
    start: datetime,
    end: datetime,
    responsible_id: str | None,
    per_stage: int,
) -> list[LossComment]:
    """Failure comments of the period's lost deals, newest deals first, `per_stage` at most."""
    rows = await conn.fetch(
        f"""SELECT s.code, c.id, c.failure_comment
            FROM unnest($1::text[]) AS s(code),
            LATERAL (SELECT d.id, d.failure_comment FROM {SCHEMA}.deals d
                     WHERE d.stage = s.code AND d.failure_comment IS NOT NULL
                       AND d.failure_comment <> ''
                       AND d.created_at >= $2 AND d.created_at < $3
                       AND ($4::text IS NULL OR d.responsible_id = $4)
                     ORDER BY d.created_at DESC, d.id DESC
                     LIMIT $5) AS c""",
        failure_stages,
        start,
        end,
        responsible_id,
        per_stage,
    )
    return [LossComment(r["code"], r["id"], r["failure_comment"]) for r in rows]
