"""Task-service's read side in PostgreSQL: the task list with its paging cursor and the counts
behind the gauges (the writes of the batch path are in `repository`)."""

from __future__ import annotations

from datetime import datetime

import asyncpg
from sqlalchemy import func
from sqlmodel import col, select

from crm_shared.machinery.paging import decode_seq, encode_seq
from crm_shared.machinery.tables import Query, const
from task_service.adapters.repository import task_from_row
from task_service.adapters.tables import TaskRow
from task_service.domain.model import Task
from task_service.settings import SCHEMA

_OPEN_BY_STAGE = Query.of(
    select(func.coalesce(TaskRow.stage, TaskRow.kind).label("stage"), func.count().label("n"))
    .where(TaskRow.status == const("open"))
    .group_by(func.coalesce(TaskRow.stage, TaskRow.kind))
)
_OVERDUE_OPEN = Query.of(
    select(TaskRow.responsible_id, func.count().label("n"))
    .where(TaskRow.status == const("open"), col(TaskRow.deadline) < func.now())
    .group_by(TaskRow.responsible_id)
)


async def count_open_by_stage(conn: asyncpg.Connection) -> dict[str, int]:
    """How many tasks are open per stage, the tasks without one by kind (`rop`, `own`)."""
    rows = await conn.fetch(_OPEN_BY_STAGE.sql, *_OPEN_BY_STAGE.args())
    return {r["stage"]: int(r["n"]) for r in rows}


async def count_overdue_open(conn: asyncpg.Connection) -> dict[str | None, int]:
    """Open tasks past their deadline now, per responsible (the open-deadline index)."""
    rows = await conn.fetch(_OVERDUE_OPEN.sql, *_OVERDUE_OPEN.args())
    return {r["responsible_id"]: int(r["n"]) for r in rows}


async def list_tasks(
    conn: asyncpg.Connection,
    *,
    deal_id: str | None,
    responsible_id: str | None,
    status: str | None,
    overdue: bool | None,
    now: datetime,
    limit: int,
    cursor: str | None,
    id_prefix: str | None = None,
    deal_ids: list[str] | None = None,
    deal_owner: str | None = None,
) -> tuple[list[Task], str | None]:
    """Newest first; the cursor is the insertion sequence of the last row, opaque to callers.

    `overdue` True: open and past the deadline at `now`; False: every other task.
    `deal_owner`: only the tasks of the deals this user holds now, whoever their responsible
    (a manager with `own` access gets a deal's whole task list with the deal and loses it
    with the deal), and those of deals not known here yet whose responsible or creator
    they are.
    """
    after = decode_cursor(cursor) if cursor else None
    rows = await conn.fetch(
        f"""SELECT * FROM {SCHEMA}.tasks
            WHERE ($1::text IS NULL OR deal_id = $1)
              AND ($2::text IS NULL OR responsible_id = $2)
              AND ($3::text IS NULL OR status = $3)
              AND ($4::bool IS NULL
                   OR coalesce(status = 'open' AND deadline < $5, false) = $4)
              AND ($6::bigint IS NULL OR seq < $6)
              AND ($8::text IS NULL OR id LIKE $8 || '%')
              AND ($9::text[] IS NULL OR deal_id = ANY($9))
              AND ($10::text IS NULL
                   OR deal_id IN (
                        SELECT d.deal_id FROM {SCHEMA}.deal_state d
                        WHERE d.responsible_id = $10)
                   OR ($10 IN (responsible_id, creator_id) AND NOT EXISTS (
                        SELECT 1 FROM {SCHEMA}.deal_state d WHERE d.deal_id = tasks.deal_id)))
            ORDER BY seq DESC LIMIT $7""",
        deal_id,
        responsible_id,
        status,
        overdue,
        now,
        after,
        limit + 1,
        id_prefix,
        deal_ids,
        deal_owner,
    )
    tasks = [task_from_row(r) for r in rows[:limit]]
    more = len(rows) > limit
    return tasks, encode_cursor(rows[limit - 1]["seq"]) if more else None


def encode_cursor(seq: int, kind: str = "task") -> str:
    """An opaque paging cursor: the position `seq` in a list of `kind`."""
    return encode_seq(kind, seq)


def decode_cursor(cursor: str, kind: str = "task") -> int:
    """Read a cursor made by `encode_cursor` for `kind`; ValueError when it is not one (or
    holds what PostgreSQL would refuse: see crm_shared.machinery.paging)."""
    return decode_seq(kind, cursor)
