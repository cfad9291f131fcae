"""What the dry run of a rule change reads (issue 24 §2): the period's deals in chunks, each
with its moves of the period and its journal's field changes since, in one read-only
snapshot. Nothing is written."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import asyncpg

from deal_service.adapters.repository import DEAL_COLUMNS, deal_from_row
from deal_service.domain.replay import DealPast, FieldChange, PastMove
from deal_service.settings import SCHEMA

CHUNK = 5000
"""Deals read per round: three statements each, the memory of a few thousand deals."""

# The deals as `repository.SELECT_DEALS` reads them, but not the shown attempts' JSON: the
# rules count attempts, which the moves' query gives.
_DEALS = f"""
    SELECT d.id, {", ".join(f"d.{c}" for c in DEAL_COLUMNS)}, '[]' AS stage_attempts,
           c.name AS c_name, c.phone AS c_phone, c.email AS c_email,
           c.pays_by AS c_pays_by, c.segment AS c_segment
    FROM {SCHEMA}.deals d LEFT JOIN {SCHEMA}.contacts c ON c.id = d.contact_id
    WHERE d.id = ANY($1::text[])"""

_DEAL_IDS = f"""
    SELECT DISTINCT h.deal_id FROM {SCHEMA}.stage_history h
    JOIN {SCHEMA}.deals d ON d.id = h.deal_id
    WHERE h.at >= $1 AND h.at < $2 AND ($3::text IS NULL OR d.responsible_id = $3)
    ORDER BY h.deal_id"""

# The attempts of the stay a move left: only for moves into the contact-attempts rule's
# stage ($4), the one rule that reads them.
_MOVES = f"""
    SELECT h.deal_id, h.from_stage, h.to_stage, h.at, h.actor_id, h.responsible_id,
           CASE WHEN h.to_stage = $4 AND h.from_entered_at IS NOT NULL THEN
               (SELECT count(*) FROM {SCHEMA}.contact_attempts a
                WHERE a.deal_id = h.deal_id AND a.at >= h.from_entered_at AND a.at < h.at)
           ELSE 0 END::int AS attempts
    FROM {SCHEMA}.stage_history h
    WHERE h.deal_id = ANY($1::text[]) AND h.at >= $2 AND h.at < $3
    ORDER BY h.deal_id, h.at, h.id"""

_CHANGES = f"""
    SELECT deal_id, at, data->'changes' AS changes FROM {SCHEMA}.journal
    WHERE deal_id = ANY($1::text[]) AND kind = 'field_changed' AND at >= $2
    ORDER BY deal_id, at, id"""


async def begin_snapshot(conn: asyncpg.Connection) -> None:
    """Make this (just begun) transaction one read-only snapshot."""
    await conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
    await conn.execute("SET LOCAL jit = off")


async def pasts(
    conn: asyncpg.Connection,
    start: datetime,
    end: datetime,
    responsible_id: str | None,
    attempts_stage: str | None,
) -> AsyncIterator[DealPast]:
    """Every deal with a stage entry in [start, end) (of `responsible_id`, when given), with
    its moves of the period and the journal's field changes since `start`."""
    ids = [r[0] for r in await conn.fetch(_DEAL_IDS, start, end, responsible_id)]
    for i in range(0, len(ids), CHUNK):
        chunk = ids[i : i + CHUNK]
        deals = await conn.fetch(_DEALS, chunk)
        moves = _by_deal(await conn.fetch(_MOVES, chunk, start, end, attempts_stage), _move)
        changes = _by_deal(await conn.fetch(_CHANGES, chunk, start), _changes)
        for row in deals:
            deal = deal_from_row(row)
            yield DealPast(deal, moves.get(deal.id, []), changes.get(deal.id, []))


def _by_deal(rows: list[asyncpg.Record], read: Any) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {}
    for row in rows:
        found.setdefault(row["deal_id"], []).extend(read(row))
    return found


def _move(row: asyncpg.Record) -> list[PastMove]:
    return [PastMove(*row[1:])]  # the columns after deal_id, in PastMove's order


def _changes(row: asyncpg.Record) -> list[FieldChange]:
    items = json.loads(row["changes"]) if row["changes"] else []
    return [
        FieldChange(row["at"], str(item.get("field")), item.get("from"))
        for item in items
        if isinstance(item, dict)
    ]
