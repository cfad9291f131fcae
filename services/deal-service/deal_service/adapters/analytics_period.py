"""The period view's counts (what happened in [from, to)), and open stays for both views.

Like `analytics`, one statement a function, each meant to run on its own connection of one
exported snapshot. Deals won or lost in the period are found by their first entry into the
final stage (index `stage_history_entered`, migration 0007), stays that ended in it by the
time they ended (`stage_history_left_at`), and stays still open in `open_stays`.
"""

from __future__ import annotations

from datetime import datetime

import asyncpg

from deal_service.domain.funnel import LossComment, StageTime
from deal_service.domain.period import Created, Outcome, WeekWon
from deal_service.settings import SCHEMA

_PERCENTILES = "percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY {})"


async def outcomes(
    conn: asyncpg.Connection,
    final_stages: list[str],
    start: datetime,
    end: datetime,
    responsible_id: str | None,
) -> list[Outcome]:
    """Deals that entered a final stage in the period, by stage, currency, manager, source.

    Amount, currency, manager and source are the deal's when it moved there, stored on the
    move (migration 0007): an index-only read, no join to the deals.
    """
    rows = await conn.fetch(
        f"""SELECT h.to_stage AS stage, h.currency, h.responsible_id, h.source,
                   count(*) AS n, sum(h.amount) AS amount
            FROM {SCHEMA}.stage_history h
            WHERE h.to_stage = ANY($1::text[]) AND h.from_stage IS NOT NULL AND h.first_entry
              AND h.at >= $2 AND h.at < $3
              AND ($4::text IS NULL OR h.responsible_id = $4)
            GROUP BY 1, 2, 3, 4""",
        final_stages,
        start,
        end,
        responsible_id,
    )
    return [
        Outcome(
            r["stage"], r["currency"], r["responsible_id"], r["source"], int(r["n"]), r["amount"]
        )
        for r in rows
    ]


async def won_by_week(
    conn: asyncpg.Connection,
    success_stage: str,
    starts: list[datetime],
    end: datetime,
    responsible_id: str | None,
) -> list[WeekWon]:
    """Deals won in [starts[0], end) by week (0: from starts[0] to starts[1], …, the last to
    `end`) and currency: one statement for the whole chart, however long the period."""
    rows = await conn.fetch(
        f"""SELECT width_bucket(h.at, $2::timestamptz[]) - 1 AS week, h.currency,
                   count(*) AS n, sum(h.amount) AS amount
            FROM {SCHEMA}.stage_history h
            WHERE h.to_stage = $1 AND h.from_stage IS NOT NULL AND h.first_entry
              AND h.at >= $3 AND h.at < $4
              AND ($5::text IS NULL OR h.responsible_id = $5)
            GROUP BY 1, 2""",
        success_stage,
        starts,
        starts[0],
        end,
        responsible_id,
    )
    return [WeekWon(int(r["week"]), r["currency"], int(r["n"]), r["amount"]) for r in rows]


async def created(
    conn: asyncpg.Connection, start: datetime, end: datetime, responsible_id: str | None
) -> list[Created]:
    """Deals created in the period, by manager and source."""
    rows = await conn.fetch(
        f"""SELECT responsible_id, source, count(*) AS n FROM {SCHEMA}.deals
            WHERE created_at >= $1 AND created_at < $2
              AND ($3::text IS NULL OR responsible_id = $3)
            GROUP BY 1, 2""",
        start,
        end,
        responsible_id,
    )
    return [Created(r["responsible_id"], r["source"], int(r["n"])) for r in rows]


async def loss_comments(
    conn: asyncpg.Connection,
    failure_stages: list[str],
    start: datetime,
    end: datetime,
    responsible_id: str | None,
    per_stage: int,
) -> list[LossComment]:
    """Failure comments of the deals lost in the period, latest losses first.

    From the deals with a comment (a small partial index), each joined to its entry into the
    stage: the losses without a comment, most of them, are never read.
    """
    rows = await conn.fetch(
        f"""SELECT s.code, c.id, c.failure_comment, c.title, c.responsible_id, c.at
            FROM unnest($1::text[]) AS s(code),
            LATERAL (SELECT d.id, d.failure_comment, d.title, d.responsible_id, h.at
                     FROM {SCHEMA}.deals d JOIN {SCHEMA}.stage_history h
                       ON h.deal_id = d.id AND h.to_stage = d.stage
                     WHERE d.stage = s.code AND d.failure_comment IS NOT NULL
                       AND d.failure_comment <> '' AND h.from_stage IS NOT NULL
                       AND h.first_entry AND h.at >= $2 AND h.at < $3
                       AND ($4::text IS NULL OR d.responsible_id = $4)
                     ORDER BY h.at DESC, d.id DESC
                     LIMIT $5) AS c""",
        failure_stages,
        start,
        end,
        responsible_id,
        per_stage,
    )
    return [
        LossComment(
            r["code"], r["id"], r["failure_comment"], r["title"], r["responsible_id"], r["at"]
        )
        for r in rows
    ]


async def ended_stays(
    conn: asyncpg.Connection,
    stages: list[str],
    start: datetime,
    end: datetime,
    responsible_id: str | None,
) -> list[StageTime]:
    """Stays that ended in the period (the deal left the stage in it), per stage."""
    pct = _PERCENTILES.format("h.from_stage_seconds")
    rows = await conn.fetch(
        f"""SELECT s.code, t.n, t.p
            FROM unnest($1::text[]) AS s(code),
            LATERAL (SELECT count(*) AS n, {pct} AS p
                     FROM {SCHEMA}.stage_history h
                     WHERE h.from_stage = s.code AND h.from_stage_seconds IS NOT NULL
                       AND h.at >= $2 AND h.at < $3
                       AND ($4::text IS NULL OR EXISTS (
                         SELECT 1 FROM {SCHEMA}.deals d
                         WHERE d.id = h.deal_id AND d.responsible_id = $4))) AS t""",
        stages,
        start,
        end,
        responsible_id,
    )
    return _times(rows)


async def open_stays(
    conn: asyncpg.Connection,
    stages: list[str],
    start: datetime,
    end: datetime,
    responsible_id: str | None,
    now: datetime,
    *,
    cohort: bool,
) -> list[StageTime]:
    """Stays still open at `now`, measured up to `now`, per (non-final) stage.

    `cohort`: of the deals created in [start, end); otherwise every stay begun before `end`.
    An index-only read of `open_stays` and one sort per stage. (Reading the percentiles at
    their rank in the entry-ordered index, OFFSET instead of a sort, was measured twice as
    slow on a million deals: each offset walks the index again.)
    """
    where = (
        "o.deal_created_at >= $2::timestamptz AND o.deal_created_at < $3"
        if cohort  # ($2 is typed either way: a statement must type every parameter)
        else "o.entered_at < $3 AND $2::timestamptz IS NOT NULL"
    )
    pct = _PERCENTILES.format("date_part('epoch', $5 - o.entered_at)")
    rows = await conn.fetch(
        f"""SELECT s.code, t.n, t.p
            FROM unnest($1::text[]) AS s(code),
            LATERAL (SELECT count(*) AS n, {pct} AS p
                     FROM {SCHEMA}.open_stays o
                     WHERE o.stage = s.code AND {where}
                       AND ($4::text IS NULL OR EXISTS (
                         SELECT 1 FROM {SCHEMA}.deals d
                         WHERE d.id = o.deal_id AND d.responsible_id = $4))) AS t""",
        stages,
        start,
        end,
        responsible_id,
        now,
    )
    return _times(rows)


def _times(rows: list[asyncpg.Record]) -> list[StageTime]:
    return [
        StageTime(r["code"], int(r["n"]), *(r["p"] if r["p"] else (None, None)))
        for r in rows
        if r["n"]
    ]
