"""What the dry run of a rule change reads (issue 24 §2): the period's deals in chunks, each
with its moves of the period and its journal's field changes since, in one read-only
snapshot. Nothing is written."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncGenerator
from datetime import datetime
from itertools import groupby
from operator import itemgetter

import asyncpg

from deal_service.adapters.repository import DEAL_COLUMNS, deal_from_row
from deal_service.domain.replay import DealPast, FieldChange, PastMove
from deal_service.settings import SCHEMA

CHUNK = 5000
"""Deals read per round: three statements each, the memory of a few thousand deals.

Each statement names the round's deals twice: as the list (`= ANY($1)`, which deals) and as
the range of their ids (`BETWEEN`, sorted as `_DEAL_IDS` sorts them). With the list alone a
round was planned (for its values) as a parallel scan of the whole table, a million history
rows read for 25,000; the range makes it a scan of the index's stretch that holds them."""

# The deals as `repository.SELECT_DEALS` reads them, but not the shown attempts' JSON: the
# rules count attempts, which the moves' query gives.
_DEALS = f"""
    SELECT d.id, {", ".join(f"d.{c}" for c in DEAL_COLUMNS)}, '[]' AS stage_attempts,
           c.name AS c_name, c.phone AS c_phone, c.email AS c_email,
           c.pays_by AS c_pays_by, c.segment AS c_segment
    FROM {SCHEMA}.deals d LEFT JOIN {SCHEMA}.contacts c ON c.id = d.contact_id
    WHERE d.id BETWEEN $2 AND $3 AND d.id = ANY($1::text[])
    ORDER BY d.id"""

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
    WHERE h.deal_id BETWEEN $5 AND $6 AND h.deal_id = ANY($1::text[])
      AND h.at >= $2 AND h.at < $3
    ORDER BY h.deal_id, h.at, h.id"""

_CHANGES = f"""
    SELECT deal_id, at, data->'changes' AS changes FROM {SCHEMA}.journal
    WHERE deal_id BETWEEN $3 AND $4 AND deal_id = ANY($1::text[])
      AND kind = 'field_changed' AND at >= $2
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
) -> AsyncGenerator[DealPast, None]:
    """Every deal with a stage entry in [start, end) (of `responsible_id`, when given), with
    its moves of the period and the journal's field changes since `start`.

    The next round is asked for before this one's deals are handed out: the database reads
    it while the caller judges these (on the other core; the caller gives the event loop a
    turn now and then, and the rows wait in the socket until it does)."""
    ids = [r[0] for r in await conn.fetch(_DEAL_IDS, start, end, responsible_id)]
    rounds = [ids[i : i + CHUNK] for i in range(0, len(ids), CHUNK)]
    ahead: asyncio.Task[_Round] | None = None
    try:
        for n, chunk in enumerate(rounds):
            read = ahead if ahead is not None else _read(conn, chunk, start, end, attempts_stage)
            deals, move_rows, change_rows = await read
            ahead = None
            if n + 1 < len(rounds):
                ahead = asyncio.create_task(_read(conn, rounds[n + 1], start, end, attempts_stage))
            moves = _moves(move_rows)
            changes = _changes(change_rows)
            for row in deals:
                deal = deal_from_row(row)
                yield DealPast(deal, moves.get(deal.id, []), changes.get(deal.id, []))
    finally:
        if ahead is not None:  # the caller stopped early: the round asked for is not read
            ahead.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ahead


_Round = tuple[list[asyncpg.Record], list[asyncpg.Record], list[asyncpg.Record]]


async def _read(
    conn: asyncpg.Connection,
    chunk: list[str],
    start: datetime,
    end: datetime,
    attempts_stage: str | None,
) -> _Round:
    """One round's deals, moves and journal changes, as rows."""
    first, last = chunk[0], chunk[-1]
    deals = await conn.fetch(_DEALS, chunk, first, last)
    moves = await conn.fetch(_MOVES, chunk, start, end, attempts_stage, first, last)
    changes = await conn.fetch(_CHANGES, chunk, start, first, last)
    return deals, moves, changes


def _moves(rows: list[asyncpg.Record]) -> dict[str, list[PastMove]]:
    """Per deal (the rows come sorted by it), its moves; the columns after deal_id are in
    PastMove's order."""
    make = PastMove._make
    return {deal_id: [make(r[1:]) for r in group] for deal_id, group in groupby(rows, _DEAL)}


def _changes(rows: list[asyncpg.Record]) -> dict[str, list[FieldChange]]:
    """Per deal, its journal's field changes: a journal entry may hold several."""
    found: dict[str, list[FieldChange]] = {}
    for row in rows:
        items = json.loads(row["changes"]) if row["changes"] else []
        found.setdefault(row["deal_id"], []).extend(
            FieldChange(row["at"], str(item.get("field")), item.get("from"))
            for item in items
            if isinstance(item, dict)
        )
    return found


_DEAL = itemgetter(0)
