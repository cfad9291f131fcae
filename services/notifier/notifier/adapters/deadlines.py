"""The deadlines the notifier watches, in PostgreSQL (schema `notifier`).

Every query that runs while watching reads only the head of the partial index
`deadlines_due` (open, not yet fired, ordered by deadline): its cost does not grow with the
number of watched tasks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from crm_shared.contracts.dto import Task
from crm_shared.machinery import inbox
from notifier.settings import SCHEMA

_UNNEST = """unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
                    $6::timestamptz[], $7::text[])
             AS t(task_id, deal_id, creator_id, responsible_id, title, deadline, task)"""
# The same columns with the event id of each task ($9, also the ids the inbox claims).
_UNNEST_WITH_EVENT = """unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
                    $6::timestamptz[], $7::text[], $9::text[])
             AS t(task_id, deal_id, creator_id, responsible_id, title, deadline, task, event_id)"""


def _insert(open_: bool, rows: str = _UNNEST) -> str:
    """The head of every write of deadlines: INSERT the tasks of `rows` (an unnest of the
    columns of `_columns`) as open or closed; the caller adds its ON CONFLICT."""
    return f"""INSERT INTO {SCHEMA}.deadlines AS d
                (task_id, deal_id, creator_id, responsible_id, title, deadline, task, open)
            SELECT task_id, deal_id, creator_id, responsible_id, title, deadline,
                   task::jsonb, {str(open_).lower()}
            FROM {rows}"""


@dataclass(frozen=True)
class Overdue:
    """A task just marked as fired."""

    task: Task
    deadline: datetime
    fired_at: datetime

    @property
    def overdue_seconds(self) -> float:
        """How late it was found (fired_at - deadline)."""
        return max(0.0, (self.fired_at - self.deadline).total_seconds())


def task_json(task: Task, dumped: dict[int, str] | None = None) -> str:
    """The task's JSON; with `dumped` (by object id, for one batch's live tasks), made once
    for the deadline row and the notice's inbox row of the same task."""
    if dumped is None:
        return task.model_dump_json()
    text = dumped.get(id(task))
    if text is None:
        text = dumped[id(task)] = task.model_dump_json()
    return text


def _columns(tasks: list[Task], dumped: dict[int, str] | None = None) -> list[list[object]]:
    return [
        [t.id for t in tasks],
        [t.deal_id for t in tasks],
        [t.creator_id for t in tasks],
        [t.responsible_id for t in tasks],
        [t.title for t in tasks],
        [t.deadline for t in tasks],
        [task_json(t, dumped) for t in tasks],
    ]


async def record_opened(
    conn: asyncpg.Connection, tasks: list[Task], dumped: dict[int, str] | None = None
) -> set[str]:
    """Start watching these tasks; a task seen before (open, fired or closed) is left alone.

    Returns the ids of the tasks recorded now, i.e. seen for the first time.
    """
    if not tasks:
        return set()
    rows = await conn.fetch(
        f"""{_insert(True)}
            ON CONFLICT (task_id) DO NOTHING
            RETURNING task_id""",
        *_columns(tasks, dumped),
    )
    return {r["task_id"] for r in rows}


async def claim_and_record_opened(
    conn: asyncpg.Connection | asyncpg.Pool,
    consumer: str,
    opened: list[tuple[str, Task]],
    dumped: dict[int, str] | None = None,
) -> tuple[set[str], set[str]]:
    """`inbox.claim` and `record_opened` in one statement: (event id, task) pairs in, the
    event ids not seen before and the ids of the tasks recorded now out; only the tasks of
    those events are recorded."""
    columns = _columns([task for _, task in opened], dumped)
    rows = await conn.fetch(
        f"""WITH claimed AS ({inbox.claim_sql(SCHEMA, "$8", "$9")}), recorded AS (
                {_insert(True, _UNNEST_WITH_EVENT)}
                WHERE t.event_id IN (SELECT event_id FROM claimed)
                ON CONFLICT (task_id) DO NOTHING
                RETURNING task_id
            )
            SELECT event_id, NULL AS task_id FROM claimed
            UNION ALL SELECT NULL, task_id FROM recorded""",
        *columns,
        consumer,
        [event_id for event_id, _ in opened],
    )
    fresh = {r["event_id"] for r in rows if r["event_id"] is not None}
    return fresh, {r["task_id"] for r in rows if r["task_id"] is not None}


async def record_updated(conn: asyncpg.Connection, tasks: list[Task]) -> None:
    """Replace the copy of tasks still waiting to fire (new responsible, РОП or deadline).

    A task never seen is recorded as open (its TaskOpened may come later and then changes
    nothing); a closed one is left alone, and so is a fired one unless its deadline moved
    (RescheduleTask): then it is watched again, to fire at the new deadline.
    """
    if tasks:
        await conn.execute(
            f"""{_insert(True)}
                ON CONFLICT (task_id) DO UPDATE
                SET creator_id = EXCLUDED.creator_id, responsible_id = EXCLUDED.responsible_id,
                    title = EXCLUDED.title, deadline = EXCLUDED.deadline, task = EXCLUDED.task,
                    fired_at = CASE WHEN d.deadline IS DISTINCT FROM EXCLUDED.deadline
                                    THEN NULL ELSE d.fired_at END,
                    updated_at = now()
                WHERE d.open AND (d.fired_at IS NULL
                                  OR d.deadline IS DISTINCT FROM EXCLUDED.deadline)""",
            *_columns(tasks),
        )


async def record_closed(conn: asyncpg.Connection, tasks: list[Task]) -> None:
    """Stop watching these tasks, keeping a closed row even for a task never seen opened."""
    if tasks:
        await conn.execute(
            f"""{_insert(False)}
                ON CONFLICT (task_id) DO UPDATE
                SET open = false, task = EXCLUDED.task, updated_at = now()""",
            *_columns(tasks),
        )


async def nearest_deadline(conn: asyncpg.Connection) -> tuple[datetime | None, datetime]:
    """The earliest deadline still to fire (None if there is none), and the database's now."""
    row = await conn.fetchrow(
        f"""SELECT min(deadline) AS nearest, clock_timestamp() AS now
            FROM {SCHEMA}.deadlines WHERE open AND fired_at IS NULL"""
    )
    assert row is not None
    return row["nearest"], row["now"]


async def fire_due(conn: asyncpg.Connection, limit: int) -> list[Overdue]:
    """Mark up to `limit` passed deadlines as fired and return them.

    SKIP LOCKED lets two replicas fire at once without waiting on or repeating each other:
    a row one of them holds is invisible to the other, and once committed it has fired_at.
    """
    rows = await conn.fetch(
        f"""UPDATE {SCHEMA}.deadlines SET fired_at = now(), updated_at = now()
            WHERE task_id IN (
                SELECT task_id FROM {SCHEMA}.deadlines
                WHERE open AND fired_at IS NULL AND deadline <= now()
                ORDER BY deadline LIMIT $1
                FOR UPDATE SKIP LOCKED)
            RETURNING task, deadline, fired_at""",
        limit,
    )
    fired = [
        Overdue(Task.model_validate_json(r["task"]), r["deadline"], r["fired_at"]) for r in rows
    ]
    fired.sort(key=lambda o: o.deadline)
    return fired


async def open_tasks(conn: asyncpg.Connection, deal_ids: list[str]) -> dict[str, int]:
    """How many open tasks each of these deals has (a deal with none is left out)."""
    rows = await conn.fetch(
        f"""SELECT deal_id, count(*) AS n FROM {SCHEMA}.deadlines
            WHERE open AND deal_id = ANY($1::text[]) GROUP BY deal_id""",
        deal_ids,
    )
    return {r["deal_id"]: int(r["n"]) for r in rows}


async def count_watched(conn: asyncpg.Connection) -> int:
    """How many deadlines may still fire (for the gauge; not used for watching)."""
    value = await conn.fetchval(
        f"SELECT count(*) FROM {SCHEMA}.deadlines WHERE open AND fired_at IS NULL"
    )
    return int(value or 0)
