"""Deals and contacts in PostgreSQL (schema `deal`), on the unit of work's connection."""

from __future__ import annotations

import json
from datetime import datetime
from operator import attrgetter
from typing import Any

import asyncpg

from crm_shared.contracts.deal import CONTACT_FIELD_NAMES
from crm_shared.machinery.outbox import UnitOfWork
from crm_shared.machinery.paging import decode_moment, encode_moment
from deal_service.adapters import contacts
from deal_service.domain.model import DEAL_FIELDS, MAX_SHOWN_ATTEMPTS, ContactAttempt, Deal
from deal_service.settings import SCHEMA

SELECT_DEALS = f"""
    SELECT d.*, {", ".join(f"c.{n} AS c_{n}" for n in CONTACT_FIELD_NAMES)}
    FROM {SCHEMA}.deals d LEFT JOIN {SCHEMA}.contacts c ON c.id = d.contact_id"""
DEAL_COLUMNS = (
    "version",
    "stage",
    *DEAL_FIELDS,
    "contact_id",
    "contact_attempts",
    "source",
    "external_id",
    "lead_comment",
    "created_at",
    "updated_at",
)
"""The deal's columns: the fields a command may set (`DEAL_FIELDS`, the contract's) and the
ones only the service writes."""
_ATTRIBUTE = {"lead_comment": "comment", "contact_id": "contact"}
"""Columns whose `Deal` attribute has another name."""


_VALUES = tuple((k, _ATTRIBUTE.get(k, k)) for k in DEAL_COLUMNS if k != "contact_id")
"""(column, attribute) of the values `deal_from_row` reads as they are."""


def deal_from_row(row: asyncpg.Record) -> Deal:
    contact = None
    if row["contact_id"] is not None:
        contact = contacts.contact_from_row(row, id_column="contact_id", prefix="c_")
    values = {attribute: row[column] for column, attribute in _VALUES}
    shown = row["stage_attempts"]
    attempts = (
        [
            ContactAttempt(a["actor_id"], a["note"], datetime.fromisoformat(a["at"]))
            for a in json.loads(shown)
        ]
        if shown != "[]"  # most deals (and every deal `crm rules try` reads): none to parse
        else []
    )
    return Deal(id=row["id"], contact=contact, attempts=attempts[-MAX_SHOWN_ATTEMPTS:], **values)


_COLUMN_VALUES = attrgetter(*(_ATTRIBUTE.get(c, c) for c in DEAL_COLUMNS))
_CONTACT_AT = DEAL_COLUMNS.index("contact_id")


def deal_columns(deal: Deal) -> list[Any]:
    """The deal's values in `DEAL_COLUMNS` order (one C call for the attributes; the contact
    as its id)."""
    values = list(_COLUMN_VALUES(deal))
    contact = values[_CONTACT_AT]
    values[_CONTACT_AT] = contact.id if contact is not None else None
    return values


def _attempts_json(deal: Deal) -> str:
    return json.dumps(
        [{"actor_id": a.actor_id, "note": a.note, "at": a.at.isoformat()} for a in deal.attempts],
        ensure_ascii=False,
    )


async def deal_by_external(conn: asyncpg.Connection, source: str, external_id: str) -> Deal | None:
    """The deal of this (source, external_id), if one was made."""
    row = await conn.fetchrow(
        f"{SELECT_DEALS} WHERE d.source = $1 AND d.external_id = $2", source, external_id
    )
    return deal_from_row(row) if row else None


async def imported(
    conn: asyncpg.Connection, source: str, after: str | None, limit: int
) -> list[dict[str, Any]]:
    """The deals of `source` by external id, from after `after`: (external_id, deal_id,
    title, stage); the (source, external_id) index reads them in order."""
    rows = await conn.fetch(
        f"""SELECT external_id, id AS deal_id, title, stage FROM {SCHEMA}.deals
            WHERE source = $1 AND external_id > $2 ORDER BY external_id LIMIT $3""",
        source,
        after or "",
        limit,
    )
    return [dict(r) for r in rows]


async def import_marks(
    conn: asyncpg.Connection, deal_id: str
) -> tuple[datetime | None, datetime | None]:
    """(the source's modification time imported last, the deal's newest stage entry)."""
    row = await conn.fetchrow(
        f"""SELECT d.external_modified_at,
                   (SELECT max(h.at) FROM {SCHEMA}.stage_history h WHERE h.deal_id = d.id)
            FROM {SCHEMA}.deals d WHERE d.id = $1""",
        deal_id,
    )
    return (row[0], row[1]) if row else (None, None)


async def mark_imported(
    conn: asyncpg.Connection, deal_id: str, modified_at: datetime | None
) -> None:
    """Keep the source's modification time of what was imported (a later import compares)."""
    await conn.execute(
        f"UPDATE {SCHEMA}.deals SET external_modified_at = $2 WHERE id = $1", deal_id, modified_at
    )


async def add_history(
    conn: asyncpg.Connection, deal: Deal, rows: list[Any], actor_id: str | None
) -> None:
    """An imported deal's stage history with the times it happened, oldest first, one
    statement a row now (the deal's own row flushed before): each row's trigger reads its
    predecessor and the deal, as for a live move (deferred, they would share one snapshot
    and see neither)."""
    for row in rows:
        await conn.execute(
            f"""INSERT INTO {SCHEMA}.stage_history
                  (deal_id, from_stage, to_stage, version, actor_id, at, deal_created_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7)""",
            deal.id,
            row.from_stage,
            row.to_stage,
            row.version,
            actor_id,
            row.at,
            deal.created_at,
        )


async def get_deal(conn: asyncpg.Connection, deal_id: str, *, lock: bool = False) -> Deal | None:
    """Load a deal; with `lock`, hold its row until the transaction ends (serialises changes)."""
    suffix = " FOR UPDATE OF d" if lock else ""
    row = await conn.fetchrow(f"{SELECT_DEALS} WHERE d.id = $1{suffix}", deal_id)
    return deal_from_row(row) if row else None


async def contact_deals(conn: asyncpg.Connection, contact_id: str, except_deal: str) -> list[Deal]:
    """The contact's other deals, locked in id order until the transaction ends."""
    rows = await conn.fetch(
        f"{SELECT_DEALS} WHERE d.contact_id = $1 AND d.id <> $2 ORDER BY d.id FOR UPDATE OF d",
        contact_id,
        except_deal,
    )
    return [deal_from_row(r) for r in rows]


def save(uow: UnitOfWork, deal: Deal, *, new: bool = False) -> None:
    """Write what a deal's method changed: its row, its contact, its stage entries and logged
    attempts, and queue the events it raised. The writes go out in one statement at commit."""
    if deal.contact is not None and deal.contact_changed:
        phone, email = deal.contact.keys()
        contacts.save_contact(uow, deal.contact, phone, email)
    cols = deal_columns(deal)
    if new:
        names = ", ".join(DEAL_COLUMNS)
        params = ", ".join(f"${i}" for i in range(2, len(DEAL_COLUMNS) + 2))
        uow.defer(f"INSERT INTO {SCHEMA}.deals (id, {names}) VALUES ($1, {params})", deal.id, *cols)
    else:
        sets = ", ".join(f"{c} = ${i}" for i, c in enumerate(DEAL_COLUMNS, start=2))
        last = len(DEAL_COLUMNS) + 2
        uow.defer(
            f"UPDATE {SCHEMA}.deals SET {sets}, stage_attempts = ${last}::jsonb WHERE id = $1",
            deal.id,
            *cols,
            _attempts_json(deal),
        )
    for entry in deal.entries:
        uow.defer(
            f"""INSERT INTO {SCHEMA}.stage_history
                  (deal_id, from_stage, to_stage, version, actor_id, at, deal_created_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7)""",
            deal.id,
            entry.from_stage,
            deal.stage,
            deal.version,
            entry.actor_id,
            deal.updated_at,
            deal.created_at,
        )
    for attempt in deal.logged:
        uow.defer(
            f"""INSERT INTO {SCHEMA}.contact_attempts (deal_id, actor_id, note, at, stage)
                VALUES ($1, $2, $3, $4, $5)""",
            deal.id,
            attempt.actor_id,
            attempt.note,
            attempt.at,
            deal.stage,
        )
    emit(uow, deal)


def emit(uow: UnitOfWork, deal: Deal) -> None:
    """Queue the events the deal raised, and forget them."""
    for event in deal.events:
        uow.emit(event, subject_id=deal.id)
    deal.events.clear()
    deal.logged.clear()
    deal.entries.clear()
    deal.contact_changed = False


async def next_assignment_number(conn: asyncpg.Connection) -> int:
    """A counter shared by all replicas, for round-robin lead assignment."""
    return int(await conn.fetchval(f"SELECT nextval('{SCHEMA}.lead_assignment_seq')"))


async def list_deals(
    conn: asyncpg.Connection,
    *,
    stage: str | None,
    responsible_id: str | None,
    contact_id: str | None,
    limit: int,
    cursor: str | None,
    id_prefix: str | None = None,
) -> tuple[list[Deal], str | None]:
    """Newest first; the cursor is the (created_at, id) of the last row, opaque to callers."""
    after_at, after_id = decode_cursor(cursor) if cursor else (None, None)
    rows = await conn.fetch(
        f"""{SELECT_DEALS}
            WHERE ($1::text IS NULL OR d.stage = $1)
              AND ($2::text IS NULL OR d.responsible_id = $2)
              AND ($3::text IS NULL OR d.contact_id = $3)
              AND ($4::timestamptz IS NULL OR (d.created_at, d.id) < ($4, $5))
              AND ($7::text IS NULL OR d.id LIKE $7 || '%')
            ORDER BY d.created_at DESC, d.id DESC LIMIT $6""",
        stage,
        responsible_id,
        contact_id,
        after_at,
        after_id,
        limit + 1,
        id_prefix,
    )
    deals = [deal_from_row(r) for r in rows[:limit]]
    more = len(rows) > limit
    return deals, encode_cursor(deals[-1].created_at, deals[-1].id) if more else None


def encode_cursor(at: datetime, deal_id: str) -> str:
    """An opaque paging cursor."""
    return encode_moment(at, deal_id)


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """Read a cursor made by `encode_cursor`; ValueError when it is not one (or holds what
    PostgreSQL would refuse: see crm_shared.machinery.paging)."""
    return decode_moment(cursor)


async def stage_totals(
    conn: asyncpg.Connection, responsible_id: str | None
) -> list[tuple[str, str, int, Any]]:
    """(stage, currency, count, sum of amounts) of every stage that has deals."""
    rows = await conn.fetch(
        f"""SELECT stage, currency, count(*) AS n, sum(amount) AS amount
            FROM {SCHEMA}.deals WHERE ($1::text IS NULL OR responsible_id = $1)
            GROUP BY stage, currency""",
        responsible_id,
    )
    return [(r["stage"], r["currency"], int(r["n"]), r["amount"]) for r in rows]


async def stage_history(conn: asyncpg.Connection, deal_id: str, limit: int) -> list[dict[str, Any]]:
    """A deal's stage entries, newest first."""
    rows = await conn.fetch(
        f"""SELECT from_stage, to_stage, actor_id, at FROM {SCHEMA}.stage_history
            WHERE deal_id = $1 ORDER BY at DESC, id DESC LIMIT $2""",
        deal_id,
        limit,
    )
    return [dict(r) for r in rows]
