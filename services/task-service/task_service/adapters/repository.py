"""Tasks and the applied deal state in PostgreSQL (schema `task`), on the unit of work's conn."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from operator import attrgetter

import asyncpg

from crm_shared.contracts.dto import CloseReason, TaskComment, TaskReschedule, TaskStatus
from crm_shared.machinery import inbox
from crm_shared.machinery.outbox import UnitOfWork
from task_service.domain.model import DealState, Task
from task_service.settings import SCHEMA

_TASK_COLUMNS = (
    "id",
    "deal_id",
    "stage",
    "title",
    "description",
    "creator_id",
    "responsible_id",
    "deadline",
    "opened_at",
    "deal_version",
    "status",
    "close_reason",
    "closed_at",
    "closed_by",
    "deal_title",
    "contact_name",
    "kind",
    "rop_id",
)
# Array types of the columns above that are not text, for the set-based INSERT.
_ARRAY_TYPES = {
    "deadline": "timestamptz",
    "opened_at": "timestamptz",
    "deal_version": "int",
    "closed_at": "timestamptz",
}


def task_from_row(row: asyncpg.Record) -> Task:
    values = {c: row[c] for c in _TASK_COLUMNS}
    values["status"] = TaskStatus(row["status"])
    values["close_reason"] = CloseReason(row["close_reason"]) if row["close_reason"] else None
    moved = row["reschedules"]
    moved = json.loads(moved) if isinstance(moved, str) else moved or []
    return Task(
        **values,
        comments=_comments(row["comments"]),
        reschedules=[TaskReschedule.model_validate(item) for item in moved],
    )


def _comments(raw: str | list[dict[str, str]] | None) -> list[TaskComment]:
    # jsonb arrives as text (no codec is set on the pool), also inside a row value.
    items = json.loads(raw) if isinstance(raw, str) else raw or []
    return [TaskComment.model_validate(item) for item in items]


async def add_comment(conn: asyncpg.Connection, task_id: str, comment: TaskComment) -> None:
    """Append a comment to a task's `comments` (oldest first)."""
    await conn.execute(
        f"UPDATE {SCHEMA}.tasks SET comments = comments || jsonb_build_array($2::jsonb)"
        " WHERE id = $1",
        task_id,
        comment.model_dump_json(),
    )


_VALUES = attrgetter(*_TASK_COLUMNS)
_ENUMS = tuple(i for i, c in enumerate(_TASK_COLUMNS) if c in ("status", "close_reason"))


def _row(task: Task) -> tuple[object, ...]:
    """The task's values in `_TASK_COLUMNS` order, its enums as their codes (one C call for
    the attributes: a generator over the columns was 7 % of task-service's own CPU)."""
    values = list(_VALUES(task))
    for i in _ENUMS:
        values[i] = getattr(values[i], "value", values[i])  # None stays None
    return tuple(values)


async def reschedule(conn: asyncpg.Connection, task: Task) -> None:
    """Write a task's new deadline and the move just appended to its `reschedules`."""
    await conn.execute(
        f"""UPDATE {SCHEMA}.tasks SET deadline = $2,
              reschedules = reschedules || jsonb_build_array($3::jsonb) WHERE id = $1""",
        task.id,
        task.deadline,
        task.reschedules[-1].model_dump_json(),
    )


async def lock_states(conn: asyncpg.Connection, deal_ids: list[str]) -> dict[str, DealState]:
    """The applied state of each deal, locked until the transaction ends.

    A deal seen for the first time gets a row at version 0, so that two replicas handling
    events of one new deal still serialise on it. Rows are locked in id order: two batches
    with overlapping deals cannot deadlock.
    """
    ids = sorted(set(deal_ids))
    await conn.execute(
        f"""INSERT INTO {SCHEMA}.deal_state (deal_id)
            SELECT unnest($1::text[]) ON CONFLICT DO NOTHING""",
        ids,
    )
    rows = await conn.fetch(
        f"""SELECT deal_id, version, stage, responsible_id, rop_id, closed
            FROM {SCHEMA}.deal_state WHERE deal_id = ANY($1::text[])
            ORDER BY deal_id FOR UPDATE""",
        ids,
    )
    return {r["deal_id"]: DealState(**dict(r)) for r in rows}


@dataclass
class BatchState:
    """What `read_batch` found: the claimed event ids, the locked deal states, open tasks."""

    fresh: set[str]
    states: dict[str, DealState]
    open_tasks: dict[str, list[Task]]


async def read_batch(
    conn: asyncpg.Connection, consumer: str, event_ids: list[str], deal_ids: list[str]
) -> BatchState:
    """Claim the events in the inbox, lock the deals' states and their open tasks: one query.

    As `inbox.claim`, `lock_states` and `open_tasks` in turn, in a single round trip. A
    state row another replica inserted while this one waited is not in this statement's
    snapshot; such deals are locked again with `lock_states` (rare: two replicas on the
    events of one new deal at once).
    """
    ids = sorted(set(deal_ids))
    row = await conn.fetchrow(
        f"""WITH claimed AS ({inbox.claim_sql(SCHEMA)}), created AS (
                INSERT INTO {SCHEMA}.deal_state (deal_id)
                SELECT unnest($3::text[]) ON CONFLICT DO NOTHING
                RETURNING deal_id, version, stage, responsible_id, rop_id, closed
            ), locked AS (
                SELECT deal_id, version, stage, responsible_id, rop_id, closed
                FROM {SCHEMA}.deal_state WHERE deal_id = ANY($3::text[])
                ORDER BY deal_id FOR UPDATE
            )
            SELECT
              ARRAY(SELECT event_id FROM claimed) AS fresh,
              ARRAY(SELECT ROW(deal_id, version, stage, responsible_id, rop_id, closed)
                    FROM (SELECT * FROM created UNION ALL SELECT * FROM locked) s) AS states,
              ARRAY(SELECT t FROM {SCHEMA}.tasks t
                    WHERE t.deal_id = ANY($3::text[]) AND t.status = 'open'
                    ORDER BY t.id FOR UPDATE) AS tasks""",
        consumer,
        event_ids,
        ids,
    )
    states = {r[0]: DealState(*r) for r in row["states"]}
    missing = [i for i in ids if i not in states]
    if missing:
        states.update(await lock_states(conn, missing))
    found: dict[str, list[Task]] = {}
    for task in row["tasks"]:
        found.setdefault(task["deal_id"], []).append(task_from_row(task))
    if missing:  # their tasks too: the first read may have missed them the same way
        for deal_id, tasks in (await open_tasks(conn, missing)).items():
            found[deal_id] = tasks
    return BatchState(set(row["fresh"]), states, found)


def save_states(uow: UnitOfWork, states: Iterable[DealState]) -> None:
    """Write the applied state of deals locked by `read_batch`, at commit."""
    # One statement for the batch (unnest), not executemany: a round of Bind/Execute per
    # row was a fifth of task-service's time under load.
    states = list(states)
    if not states:
        return
    uow.defer(
        f"""UPDATE {SCHEMA}.deal_state AS d
            SET version = s.version, stage = s.stage, responsible_id = s.responsible_id,
                rop_id = s.rop_id, closed = s.closed, updated_at = now()
            FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[], $6::bool[])
              AS s(deal_id, version, stage, responsible_id, rop_id, closed)
            WHERE d.deal_id = s.deal_id""",
        [s.deal_id for s in states],
        [s.version for s in states],
        [s.stage for s in states],
        [s.responsible_id for s in states],
        [s.rop_id for s in states],
        [s.closed for s in states],
    )


async def deal_rop(conn: asyncpg.Connection, deal_id: str) -> str | None:
    """The РОП of a deal as of the latest applied version."""
    return (await deal_people(conn, deal_id))[1]


async def deal_people(conn: asyncpg.Connection, deal_id: str) -> tuple[str | None, str | None]:
    """(responsible, РОП) of a deal as of the latest applied version (None: not known)."""
    row = await conn.fetchrow(
        f"SELECT responsible_id, rop_id FROM {SCHEMA}.deal_state WHERE deal_id = $1", deal_id
    )
    if row is None:
        return None, None
    return row["responsible_id"], row["rop_id"]


async def open_tasks(conn: asyncpg.Connection, deal_ids: list[str]) -> dict[str, list[Task]]:
    """The open tasks of these deals, locked (a concurrent `complete` waits, or wins first)."""
    rows = await conn.fetch(
        f"""SELECT * FROM {SCHEMA}.tasks
            WHERE deal_id = ANY($1::text[]) AND status = 'open' ORDER BY id FOR UPDATE""",
        sorted(set(deal_ids)),
    )
    found: dict[str, list[Task]] = {}
    for row in rows:
        found.setdefault(row["deal_id"], []).append(task_from_row(row))
    return found


async def get_task(conn: asyncpg.Connection, task_id: str, *, lock: bool = False) -> Task | None:
    """A task by id; with `lock`, hold its row until the transaction ends."""
    suffix = " FOR UPDATE" if lock else ""
    row = await conn.fetchrow(f"SELECT * FROM {SCHEMA}.tasks WHERE id = $1{suffix}", task_id)
    return task_from_row(row) if row else None


def insert_tasks(uow: UnitOfWork, tasks: Iterable[Task]) -> None:
    """Store new tasks (in whatever state they reached in this transaction), at commit."""
    rows = [_row(t) for t in tasks]
    if not rows:
        return
    names = ", ".join(_TASK_COLUMNS)
    arrays = ", ".join(
        f"${i}::{_ARRAY_TYPES.get(c, 'text')}[]" for i, c in enumerate(_TASK_COLUMNS, start=1)
    )
    # unnest keeps the list's order, so `seq` still numbers the tasks as they were opened.
    uow.defer(
        f"INSERT INTO {SCHEMA}.tasks ({names}) SELECT * FROM unnest({arrays})",
        *(list(column) for column in zip(*rows, strict=True)),
    )


def _task_updates(tasks: Iterable[Task]) -> tuple[str, list[list[object]]] | None:
    """The UPDATE of the changeable fields of existing tasks, with its arguments."""
    rows = [
        (
            t.id,
            t.status.value,
            t.close_reason.value if t.close_reason else None,
            t.closed_at,
            t.closed_by,
            t.responsible_id,
            t.creator_id,
            t.deal_title,
            t.contact_name,
            t.rop_id,
            t.title,
            t.description,
        )
        for t in tasks
    ]
    if not rows:
        return None
    sql = f"""UPDATE {SCHEMA}.tasks AS t
        SET status = u.status, close_reason = u.close_reason, closed_at = u.closed_at,
          closed_by = u.closed_by, responsible_id = u.responsible_id,
          creator_id = u.creator_id, deal_title = u.deal_title,
          contact_name = u.contact_name, rop_id = u.rop_id, title = u.title,
          description = u.description
        FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::text[],
                    $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[],
                    $12::text[])
          AS u(id, status, close_reason, closed_at, closed_by, responsible_id, creator_id,
               deal_title, contact_name, rop_id, title, description)
        WHERE t.id = u.id"""
    return sql, [list(column) for column in zip(*rows, strict=True)]


async def update_tasks(conn: asyncpg.Connection, tasks: Iterable[Task]) -> None:
    """Write the changeable fields of existing tasks (status, close, responsible, creator,
    the names they quote)."""
    update = _task_updates(tasks)
    if update is not None:
        await conn.execute(update[0], *update[1])


def update_tasks_at_commit(uow: UnitOfWork, tasks: Iterable[Task]) -> None:
    """As `update_tasks`, deferred to the commit statement (see `UnitOfWork.defer`)."""
    update = _task_updates(tasks)
    if update is not None:
        uow.defer(update[0], *update[1])
