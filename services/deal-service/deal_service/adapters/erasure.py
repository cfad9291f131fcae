"""A contact erased (contracts.deal.EraseContact) in PostgreSQL: what people typed about the
person, wherever deal-service keeps it, becomes `ERASED`.

In the contact's deals (`deals.contact_id`): the title, Требования, the delivery address and
the lead's comment; the notes of the contact attempts (the table and the deal's copy of its
stage's attempts); in their story (`journal`) the notes, the reasons of declined approvals
and the old and new values of those fields and of the contact's name, phone and e-mail. A
value that was empty stays empty (nothing was written there). Amounts, stages, companies,
what was ordered, the failure comment, dates and who did what stay: the company's records.
"""

from __future__ import annotations

from datetime import datetime

import asyncpg

from crm_shared.contracts.deal import ERASED
from deal_service.settings import SCHEMA

# The deal's free-text fields about the person, erased on the deal and in its journal.
DEAL_TEXTS = ("title", "requirements", "delivery_address")
# The journal's field names whose values are the person's (`contact`: a contact replaced).
JOURNAL_FIELDS = (*DEAL_TEXTS, "contact", "contact.name", "contact.phone", "contact.email")
# The journal's entries whose own text people typed: kind → its key.
JOURNAL_TEXTS = {"note": "text", "approval_declined": "reason"}


async def contact(conn: asyncpg.Connection, contact_id: str) -> None:
    """The contact's name becomes ERASED; its phone, e-mail and their search keys are gone."""
    await conn.execute(
        f"""UPDATE {SCHEMA}.contacts SET name = $2, phone = NULL, phone_norm = NULL,
               email = NULL, email_norm = NULL WHERE id = $1""",
        contact_id,
        ERASED,
    )


async def was_erased(conn: asyncpg.Connection, deal_id: str) -> bool:
    """Whether the deal's contact was erased (the log, `deal.erasures`, names the deal)."""
    found = await conn.fetchval(
        f"SELECT EXISTS (SELECT FROM {SCHEMA}.erasures WHERE $1 = ANY(deal_ids))", deal_id
    )
    return bool(found)


def _erased(column: str) -> str:
    return f"{column} = CASE WHEN {column} IS NULL THEN NULL ELSE $2 END"


async def deals(conn: asyncpg.Connection, contact_id: str, now: datetime) -> list[str]:
    """Erase the texts of the contact's deals (each one version up); their ids."""
    texts = ", ".join(_erased(c) for c in (*DEAL_TEXTS, "lead_comment"))
    rows = await conn.fetch(
        f"""UPDATE {SCHEMA}.deals SET {texts},
               stage_attempts = (
                   SELECT coalesce(jsonb_agg(CASE WHEN a->>'note' IS NULL THEN a
                                             ELSE a || jsonb_build_object('note', $2::text) END
                                             ORDER BY n), '[]'::jsonb)
                   FROM jsonb_array_elements(stage_attempts) WITH ORDINALITY AS x(a, n)),
               version = version + 1, updated_at = $3
            WHERE contact_id = $1 RETURNING id""",
        contact_id,
        ERASED,
        now,
    )
    return sorted(r["id"] for r in rows)


async def stories(conn: asyncpg.Connection, deal_ids: list[str]) -> None:
    """Erase the notes of the deals' contact attempts and what their journal holds of the
    person: the notes, a declined approval's reason, the values of `JOURNAL_FIELDS`."""
    await conn.execute(
        f"""UPDATE {SCHEMA}.contact_attempts SET note = $2
            WHERE deal_id = ANY($1::text[]) AND note IS NOT NULL""",
        deal_ids,
        ERASED,
    )
    for kind, key in JOURNAL_TEXTS.items():
        await conn.execute(
            f"""UPDATE {SCHEMA}.journal SET data = data || jsonb_build_object($3::text, $4::text)
                WHERE deal_id = ANY($1::text[]) AND kind = $2 AND data->>$3 IS NOT NULL""",
            deal_ids,
            kind,
            key,
            ERASED,
        )
    await conn.execute(
        f"""UPDATE {SCHEMA}.journal SET data = data || jsonb_build_object('changes', (
                SELECT jsonb_agg(CASE WHEN c->>'field' = ANY($2::text[]) THEN c
                           || jsonb_build_object(
                               'from', CASE WHEN c->>'from' IS NULL THEN NULL ELSE $3::text END,
                               'to', CASE WHEN c->>'to' IS NULL THEN NULL ELSE $3::text END)
                       ELSE c END ORDER BY n)
                FROM jsonb_array_elements(data->'changes') WITH ORDINALITY AS x(c, n)))
            WHERE deal_id = ANY($1::text[]) AND kind = 'field_changed'
              AND jsonb_typeof(data->'changes') = 'array'
              AND jsonb_array_length(data->'changes') > 0""",
        deal_ids,
        list(JOURNAL_FIELDS),
        ERASED,
    )
