"""Finding deals and contacts (issue 22): by a contact's E.164 phone or e-mail (their
b-tree indexes), or by words, compared by pg_trgm's word similarity (`<%`, GIN trigram
indexes of migration 0010) with contacts' names, deals' titles and companies.

Every statement takes the actor's scope (`$2`: the responsible a manager with `access: own`
is narrowed to, NULL for whoever sees all) inside each branch, so a hit the actor may not see
neither shows nor takes a place under the limit.
"""

from __future__ import annotations

from typing import Any

import asyncpg

from deal_service.adapters.contacts import contact_from_row
from deal_service.adapters.repository import SELECT_DEALS, deal_from_row
from deal_service.domain.model import Deal
from deal_service.domain.search import Needle
from deal_service.settings import SCHEMA

_SCOPE = "($2::text IS NULL OR {d}.responsible_id = $2)"
_KEY = {"phone": "phone_norm", "email": "email_norm"}

_WORD_HITS = f"""
    WITH hits AS (
        SELECT id, word_similarity($1, title) AS s FROM {SCHEMA}.deals d
        WHERE $1 <% title AND {_SCOPE.format(d="d")}
        UNION ALL
        SELECT id, word_similarity($1, company) FROM {SCHEMA}.deals d
        WHERE $1 <% company AND {_SCOPE.format(d="d")}
        UNION ALL
        SELECT d.id, word_similarity($1, c.name) FROM {SCHEMA}.contacts c
        JOIN {SCHEMA}.deals d ON d.contact_id = c.id
        WHERE $1 <% c.name AND {_SCOPE.format(d="d")}
    ), best AS (
        SELECT id, max(s) AS s FROM hits GROUP BY id ORDER BY max(s) DESC, id LIMIT $3
    )
    SELECT x.* FROM best JOIN ({SELECT_DEALS}) x ON x.id = best.id
    ORDER BY best.s DESC, x.created_at DESC, x.id"""

_SEEN = f"""(SELECT count(*) FROM {SCHEMA}.deals d
             WHERE d.contact_id = c.id AND {_SCOPE.format(d="d")})"""


async def find_deals(
    conn: asyncpg.Connection, needle: Needle, responsible_id: str | None, limit: int
) -> list[Deal]:
    """The deals matching, best first (a phone or e-mail: newest first)."""
    if needle.kind == "words":
        rows = await conn.fetch(_WORD_HITS, needle.value, responsible_id, limit)
    else:
        rows = await conn.fetch(
            f"""SELECT x.* FROM ({SELECT_DEALS}) x
                WHERE x.contact_id IN (SELECT id FROM {SCHEMA}.contacts
                                       WHERE {_KEY[needle.kind]} = $1)
                  AND {_SCOPE.format(d="x")}
                ORDER BY x.created_at DESC, x.id LIMIT $3""",
            needle.value,
            responsible_id,
            limit,
        )
    return [deal_from_row(r) for r in rows]


async def find_contacts(
    conn: asyncpg.Connection, needle: Needle, responsible_id: str | None, limit: int
) -> list[dict[str, Any]]:
    """The contacts matching that have a deal the actor may see, with how many they have."""
    if needle.kind == "words":
        where, order = "$1 <% c.name", "word_similarity($1, c.name) DESC, c.created_at DESC"
    else:
        where, order = f"c.{_KEY[needle.kind]} = $1", "c.created_at DESC"
    rows = await conn.fetch(
        f"""SELECT * FROM (SELECT c.*, {_SEEN} AS seen FROM {SCHEMA}.contacts c
                           WHERE {where} ORDER BY {order} LIMIT $3 * 4) m
            WHERE m.seen > 0 LIMIT $3""",
        needle.value,
        responsible_id,
        limit,
    )
    return [
        {**contact_from_row(r).to_dto().model_dump(mode="json"), "deals_count": r["seen"]}
        for r in rows
    ]


async def contact_deals(
    conn: asyncpg.Connection, contact_id: str, responsible_id: str | None, limit: int
) -> list[Deal]:
    """The contact's deals the actor may see, newest first."""
    rows = await conn.fetch(
        f"""SELECT x.* FROM ({SELECT_DEALS}) x
            WHERE x.contact_id = $1 AND {_SCOPE.format(d="x")}
            ORDER BY x.created_at DESC, x.id LIMIT $3""",
        contact_id,
        responsible_id,
        limit,
    )
    return [deal_from_row(r) for r in rows]
