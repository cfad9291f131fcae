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

from crm_shared.machinery import inbox
from crm_shared.machinery.outbox import UnitOfWork
from deal_service.adapters.contacts import contact_from_row
from deal_service.adapters.repository import DEAL_COLUMNS, deal_columns
from deal_service.domain.contacts import Contact
from deal_service.domain.model import Deal
from deal_service.settings import SCHEMA

# Array types of the columns above, for the set-based INSERT of a batch of new deals.
_DEAL_ARRAY_TYPES = {"version": "int", "amount": "numeric", "contact_attempts": "int"} | {
    "created_at": "timestamptz",
    "updated_at": "timestamptz",
}


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
    event_ids: list[str],
    keys: list[tuple[str, str]],
    phones: list[str],
    emails: list[str],
    draws: int,
) -> BatchState:
    """Everything a batch of leads needs from the database, in one round trip.

    - `fresh`: the event ids claimed now in the inbox (the others were handled before);
    - `known`: which of the leads' (source, external_id) keys already made a deal;
    - `contacts`: every contact with one of these phones or e-mails, oldest first;
    - `numbers`: `draws` round-robin numbers in the order drawn (the caller asks one for
      every valid lead that needs a turn; a duplicate's number is a harmless gap).
    """
    row = await conn.fetchrow(
        f"""WITH claimed AS ({inbox.claim_sql(SCHEMA)})
            SELECT
              ARRAY(SELECT event_id FROM claimed) AS fresh,
              ARRAY(SELECT DISTINCT ROW(d.source, d.external_id) FROM {SCHEMA}.deals d
                    JOIN unnest($3::text[], $4::text[]) AS l(source, external_id)
                      ON d.source = l.source AND d.external_id = l.external_id) AS known,
              ARRAY(SELECT c FROM {SCHEMA}.contacts c
                    WHERE c.phone_norm = ANY($5::text[]) OR c.email_norm = ANY($6::text[])
                    ORDER BY c.created_at, c.id) AS contacts,
              ARRAY(SELECT nextval('{SCHEMA}.lead_assignment_seq')
                    FROM generate_series(1, $7::int) ORDER BY 1) AS numbers""",
        consumer,
        event_ids,
        [source for source, _ in keys],
        [external_id for _, external_id in keys],
        phones,
        emails,
        draws,
    )
    return BatchState(
        fresh=set(row["fresh"]),
        known={(source, external_id) for source, external_id in row["known"]},
        contacts=[(contact_from_row(c), c["phone_norm"], c["email_norm"]) for c in row["contacts"]],
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


def insert_deals(uow: UnitOfWork, deals: list[Deal]) -> None:
    """Store new deals, at commit."""
    if not deals:
        return
    names = ", ".join(DEAL_COLUMNS)
    arrays = ", ".join(
        f"${i}::{_DEAL_ARRAY_TYPES.get(c, 'text')}[]" for i, c in enumerate(DEAL_COLUMNS, start=2)
    )
    rows = [deal_columns(d) for d in deals]
    uow.defer(
        f"INSERT INTO {SCHEMA}.deals (id, {names}) SELECT * FROM unnest($1::text[], {arrays})",
        [d.id for d in deals],
        *(list(col) for col in zip(*rows, strict=True)),
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
