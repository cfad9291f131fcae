"""The set-based statements of the lead consumer: a whole batch of leads in a few queries.

A batch of leads costs the same handful of round trips whatever its size (look up known
leads and contacts, insert contacts, deals and their first stage entry), instead of six
queries per lead.
"""

from __future__ import annotations

import asyncpg

from deal_service.adapters.repository import _DEAL_COLUMNS, SCHEMA, _columns, _contact
from deal_service.domain.model import Contact, Deal

# Array types of the columns above, for the set-based INSERT of a batch of new deals.
_DEAL_ARRAY_TYPES = {"version": "int", "amount": "numeric", "contact_attempts": "int"} | {
    "created_at": "timestamptz",
    "updated_at": "timestamptz",
}


async def leads_with_deals(
    conn: asyncpg.Connection, leads: list[tuple[str, str]]
) -> set[tuple[str, str]]:
    """Which of these (source, external_id) pairs already made a deal (one query per batch)."""
    if not leads:
        return set()
    rows = await conn.fetch(
        f"""SELECT d.source, d.external_id FROM {SCHEMA}.deals d
            JOIN unnest($1::text[], $2::text[]) AS l(source, external_id)
              ON d.source = l.source AND d.external_id = l.external_id""",
        [s for s, _ in leads],
        [e for _, e in leads],
    )
    return {(r["source"], r["external_id"]) for r in rows}


async def find_contacts(
    conn: asyncpg.Connection, phones: list[str], emails: list[str]
) -> list[tuple[Contact, str | None, str | None]]:
    """Every contact with one of these phones or e-mails, oldest first, with their keys."""
    if not phones and not emails:
        return []
    rows = await conn.fetch(
        f"""SELECT * FROM {SCHEMA}.contacts
            WHERE phone_norm = ANY($1::text[]) OR email_norm = ANY($2::text[])
            ORDER BY created_at, id""",
        phones,
        emails,
    )
    return [(_contact(r), r["phone_norm"], r["email_norm"]) for r in rows]


async def insert_contacts(
    conn: asyncpg.Connection, contacts: list[tuple[Contact, str | None, str | None]]
) -> None:
    """Store new contacts (with their normalised phone and e-mail) in one statement."""
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
    await conn.execute(
        f"""INSERT INTO {SCHEMA}.contacts
              (id, name, phone, phone_norm, email, email_norm, pays_by, segment)
            SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
                                 $6::text[], $7::text[], $8::text[])""",
        *cols,
    )


async def insert_deals(conn: asyncpg.Connection, deals: list[tuple[Deal, str | None]]) -> None:
    """Store new deals, each with its lead comment, in one statement."""
    if not deals:
        return
    names = ", ".join(_DEAL_COLUMNS)
    arrays = ", ".join(
        f"${i}::{_DEAL_ARRAY_TYPES.get(c, 'text')}[]" for i, c in enumerate(_DEAL_COLUMNS, start=2)
    )
    rows = [_columns(d) for d, _ in deals]
    await conn.execute(
        f"""INSERT INTO {SCHEMA}.deals (id, {names}, lead_comment)
            SELECT * FROM unnest($1::text[], {arrays}, ${len(_DEAL_COLUMNS) + 2}::text[])""",
        [d.id for d, _ in deals],
        *(list(col) for col in zip(*rows, strict=True)),
        [comment for _, comment in deals],
    )


async def add_stage_entries(
    conn: asyncpg.Connection, deals: list[Deal], actor_id: str | None
) -> None:
    """Record that each of these new deals entered its first stage, in one statement."""
    if deals:
        await conn.execute(
            f"""INSERT INTO {SCHEMA}.stage_history
                  (deal_id, from_stage, to_stage, version, actor_id, at)
                SELECT deal_id, NULL, to_stage, version, $4, at
                FROM unnest($1::text[], $2::text[], $3::int[], $5::timestamptz[])
                  AS h(deal_id, to_stage, version, at)""",
            [d.id for d in deals],
            [d.stage for d in deals],
            [d.version for d in deals],
            actor_id,
            [d.updated_at for d in deals],
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
