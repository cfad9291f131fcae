"""The set-based statements of the lead consumer: a whole batch of leads in two queries.

A batch of leads costs the same two round trips inside its transaction whatever its size:
one read (claim the inbox, look up known leads and contacts, draw round-robin numbers) and
one write at commit (contacts, deals, their first stage entry and the outbox rows, deferred
to the unit of work). Per lead it was six queries, then one per step per batch; each round
trip is a wake-up of both processes, which at a steady trickle of leads is what the latency
is made of.
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from crm_shared.outbox import UnitOfWork
from deal_service.adapters.repository import _DEAL_COLUMNS, SCHEMA, _columns, _contact
from deal_service.domain.model import Contact, Deal

# Array types of the columns above, for the set-based INSERT of a batch of new deals.
_DEAL_ARRAY_TYPES = {"version": "int", "amount": "numeric", "contact_attempts": "int"} | {
    "created_at": "timestamptz",
    "updated_at": "timestamptz",
}


@dataclass
class BatchLead:
    """What the read of a batch needs to know of one lead."""

    event_id: str
    source: str
    external_id: str
    valid: bool  # passed the checks that need no database
    unassigned: bool  # came without a responsible_id


@dataclass
class BatchState:
    """What the database says of a batch: see `read_batch`."""

    fresh: set[str]
    known: set[tuple[str, str]]
    contacts: list[tuple[Contact, str | None, str | None]]
    numbers: list[int]


async def read_batch(
    conn: asyncpg.Connection,
    consumer: str,
    leads: list[BatchLead],
    phones: list[str],
    emails: list[str],
    *,
    draw_numbers: bool,
) -> BatchState:
    """Everything a batch of leads needs from the database, in one round trip.

    - `fresh`: the event ids claimed now in the inbox (the others were handled before);
    - `known`: the (source, external_id) pairs that already made a deal;
    - `contacts`: every contact with one of these phones or e-mails, oldest first;
    - `numbers`: round-robin numbers, in the order drawn, one for each lead that will open
      a deal without a responsible (with `draw_numbers`): the first fresh, valid copy of each
      lead not known yet, the rule `receive_leads` applies too.
    """
    row = await conn.fetchrow(
        f"""WITH claimed AS (
                INSERT INTO {SCHEMA}.inbox (consumer, event_id)
                SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING RETURNING event_id
            ), lead AS (
                SELECT * FROM unnest($2::text[], $3::text[], $4::text[], $5::bool[], $6::bool[])
                  WITH ORDINALITY AS l(event_id, source, external_id, valid, unassigned, ord)
            ), known AS (
                SELECT DISTINCT d.source, d.external_id FROM {SCHEMA}.deals d
                JOIN lead l ON d.source = l.source AND d.external_id = l.external_id
            ), opening AS (
                SELECT DISTINCT ON (l.source, l.external_id) l.unassigned
                FROM lead l
                WHERE l.valid AND l.event_id IN (SELECT event_id FROM claimed)
                  AND NOT EXISTS (SELECT 1 FROM known k
                                  WHERE k.source = l.source AND k.external_id = l.external_id)
                ORDER BY l.source, l.external_id, l.ord
            )
            SELECT
              ARRAY(SELECT event_id FROM claimed) AS fresh,
              ARRAY(SELECT ROW(source, external_id) FROM known) AS known,
              ARRAY(SELECT c FROM {SCHEMA}.contacts c
                    WHERE c.phone_norm = ANY($7::text[]) OR c.email_norm = ANY($8::text[])
                    ORDER BY c.created_at, c.id) AS contacts,
              ARRAY(SELECT nextval('{SCHEMA}.lead_assignment_seq')
                    FROM generate_series(1, (SELECT count(*) FROM opening
                                             WHERE unassigned AND $9::bool)::int)
                    ORDER BY 1) AS numbers""",
        consumer,
        [lead.event_id for lead in leads],
        [lead.source for lead in leads],
        [lead.external_id for lead in leads],
        [lead.valid for lead in leads],
        [lead.unassigned for lead in leads],
        phones,
        emails,
        draw_numbers,
    )
    return BatchState(
        fresh=set(row["fresh"]),
        known={(source, external_id) for source, external_id in row["known"]},
        contacts=[(_contact(c), c["phone_norm"], c["email_norm"]) for c in row["contacts"]],
        numbers=[int(n) for n in row["numbers"]],
    )


def insert_contacts(
    uow: UnitOfWork, contacts: list[tuple[Contact, str | None, str | None]]
) -> None:
    """Store new contacts (with their normalised phone and e-mail), at commit."""
    if not contacts:
        return
    cols = [
        [c.id for c, _, _ in contacts],
        [c.name for c, _, _ in contacts],
        [c.phone for c, _, _ in contacts],
        [p for _, p, _ in contacts],
        [c.email for c, _, _ in contacts],
        [e for _, _, e in contacts],
        [c.pays_by for c, _, _ in contacts],
        [c.segment for c, _, _ in contacts],
    ]
    uow.defer(
        f"""INSERT INTO {SCHEMA}.contacts
              (id, name, phone, phone_norm, email, email_norm, pays_by, segment)
            SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
                                 $6::text[], $7::text[], $8::text[])""",
        *cols,
    )


def insert_deals(uow: UnitOfWork, deals: list[tuple[Deal, str | None]]) -> None:
    """Store new deals, each with its lead comment, at commit."""
    if not deals:
        return
    names = ", ".join(_DEAL_COLUMNS)
    arrays = ", ".join(
        f"${i}::{_DEAL_ARRAY_TYPES.get(c, 'text')}[]" for i, c in enumerate(_DEAL_COLUMNS, start=2)
    )
    rows = [_columns(d) for d, _ in deals]
    uow.defer(
        f"""INSERT INTO {SCHEMA}.deals (id, {names}, lead_comment)
            SELECT * FROM unnest($1::text[], {arrays}, ${len(_DEAL_COLUMNS) + 2}::text[])""",
        [d.id for d, _ in deals],
        *(list(col) for col in zip(*rows, strict=True)),
        [comment for _, comment in deals],
    )


def add_stage_entries(uow: UnitOfWork, deals: list[Deal], actor_id: str | None) -> None:
    """Record that each of these new deals entered its first stage, at commit.

    The row carries the deal's creation time: written in the same statement as the deal,
    the history trigger could not look it up (migration 0003).
    """
    if deals:
        uow.defer(
            f"""INSERT INTO {SCHEMA}.stage_history
                  (deal_id, from_stage, to_stage, version, actor_id, at, deal_created_at)
                SELECT deal_id, NULL, to_stage, version, $4, at, created_at
                FROM unnest($1::text[], $2::text[], $3::int[], $5::timestamptz[],
                            $6::timestamptz[])
                  AS h(deal_id, to_stage, version, at, created_at)""",
            [d.id for d in deals],
            [d.stage for d in deals],
            [d.version for d in deals],
            actor_id,
            [d.updated_at for d in deals],
            [d.created_at for d in deals],
        )


async def next_assignment_numbers(conn: asyncpg.Connection, count: int) -> list[int]:
    """`count` values of the round-robin counter, in the order they were drawn."""
    if count <= 0:
        return []
    rows = await conn.fetch(
        f"""SELECT nextval('{SCHEMA}.lead_assignment_seq') AS n
            FROM generate_series(1, $1::int) ORDER BY 1""",
        count,
    )
    return [int(r["n"]) for r in rows]
