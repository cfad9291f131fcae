"""The deal's story in PostgreSQL: `journal` (notes, field changes — a shared contact's on
each of its deals —, approval requests, 0011) read together with `stage_history` and
`contact_attempts` as one feed, newest first."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import asyncpg

from crm_shared.contracts.text import utc_text
from crm_shared.machinery.outbox import UnitOfWork
from crm_shared.machinery.paging import decode_moment, encode_moment
from deal_service.domain.model import Deal
from deal_service.domain.story import field_changes
from deal_service.settings import SCHEMA


def record(
    uow: UnitOfWork, deal_id: str, kind: str, actor_id: str | None, at: datetime, **data: Any
) -> None:
    """Add an entry to the deal's journal, written at commit."""
    uow.defer(
        f"""INSERT INTO {SCHEMA}.journal (deal_id, at, kind, actor_id, data)
            VALUES ($1, $2, $3, $4, $5::jsonb)""",
        deal_id,
        at,
        kind,
        actor_id,
        json.dumps(data, ensure_ascii=False),
    )


def record_changes(
    uow: UnitOfWork,
    before: Deal,
    after: Deal,
    actor_id: str | None,
    changed: list[str],
    imported_from: str | None = None,
) -> None:
    """Journal the fields an update or a move set (`changed`), each from → to; none: nothing.
    The contact's fields go to the story of every other deal of the contact too. A change an
    import brought has no actor of ours and names its source (`imported_from`)."""
    if changed:
        changes = field_changes(before, after, changed)
        source = {"imported_from": imported_from} if imported_from else {}
        record(
            uow, after.id, "field_changed", actor_id, after.updated_at, changes=changes, **source
        )
        record_shared(uow, before, after, actor_id, changed, imported_from)


def record_shared(
    uow: UnitOfWork,
    before: Deal,
    after: Deal,
    actor_id: str | None,
    changed: list[str],
    imported_from: str | None = None,
) -> None:
    """Journal the contact's fields an update or a move of `after` set on every other deal of
    that contact, as their own `field_changed` with `through_deal_id` (the contact is shared:
    no deal's contact changes without an entry in its story)."""
    contact = [name for name in changed if name.startswith("contact.")]
    if not contact or after.contact is None:
        return
    data: dict[str, Any] = {"changes": field_changes(before, after, contact)}
    data["through_deal_id"] = after.id
    if imported_from:
        data["imported_from"] = imported_from
    uow.defer(
        f"""INSERT INTO {SCHEMA}.journal (deal_id, at, kind, actor_id, data)
            SELECT id, $3, 'field_changed', $4, $5::jsonb FROM {SCHEMA}.deals
            WHERE contact_id = $1 AND id <> $2""",
        after.contact.id,
        after.id,
        after.updated_at,
        actor_id,
        json.dumps(data, ensure_ascii=False),
    )


# Each source's rows as (at, src, id, kind, actor_id, data): `src` breaks ties of `at`
# between the tables, so (at, src, id) orders the feed and is its cursor. A stage entry no
# one of ours made on an imported deal (kept times of its import) came with the import:
# `imported_from` names the source.
_FEED = f"""
    SELECT * FROM (
        SELECT at, 1 AS src, id, kind, actor_id, data FROM {SCHEMA}.journal WHERE deal_id = $1
        UNION ALL
        SELECT h.at, 2, h.id, 'stage_changed', h.actor_id,
               jsonb_strip_nulls(jsonb_build_object(
                   'from_stage', h.from_stage, 'to_stage', h.to_stage,
                   'imported_from', CASE WHEN h.actor_id IS NULL
                       AND d.external_modified_at IS NOT NULL THEN d.source END))
               || jsonb_build_object('from_stage', h.from_stage)
        FROM {SCHEMA}.stage_history h JOIN {SCHEMA}.deals d ON d.id = h.deal_id
        WHERE h.deal_id = $1
        UNION ALL
        SELECT at, 3, id, 'contact_attempt', actor_id,
               jsonb_build_object('note', note, 'stage', stage)
        FROM {SCHEMA}.contact_attempts WHERE deal_id = $1
    ) e
    WHERE $2::timestamptz IS NULL OR (at, src, id) < ($2, $3, $4)
    ORDER BY at DESC, src DESC, id DESC LIMIT $5"""


async def timeline(
    conn: asyncpg.Connection, deal_id: str, limit: int, cursor: str | None
) -> tuple[list[dict[str, Any]], str | None, datetime | None]:
    """A page of the deal's feed, its next cursor, and the moment it starts below (the
    cursor's, None for the first page). ValueError for a cursor not made here."""
    after_at: datetime | None = None
    src, row_id = 0, 0
    if cursor:
        after_at, key = decode_moment(cursor)
        try:
            src, row_id = (int(part) for part in key.split(":"))
        except ValueError:
            raise ValueError("cursor: not a cursor of this list") from None
        if not (0 <= src <= 3 and 0 <= row_id < 2**63):  # what a bigint column holds
            raise ValueError("cursor: not a cursor of this list")
    rows = await conn.fetch(_FEED, deal_id, after_at, src, row_id, limit + 1)
    items = [
        {
            "at": utc_text(r["at"]),
            "kind": r["kind"],
            "actor_id": r["actor_id"],
            **json.loads(r["data"]),
        }
        for r in rows[:limit]
    ]
    more = len(rows) > limit
    last = rows[limit - 1] if more else None
    next_cursor = encode_moment(last["at"], f"{last['src']}:{last['id']}") if last else None
    return items, next_cursor, after_at
