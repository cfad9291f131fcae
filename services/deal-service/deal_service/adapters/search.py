"""Finding deals and contacts (issue 22): by a contact's E.164 phone or e-mail (their
b-tree indexes), or by words in contacts' names, deals' titles and companies (the GIN
trigram indexes of migration 0010: as typed, else by pg_trgm's word similarity).

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


def _word_hits(match: str, score: str) -> str:
    """Deals whose title, company or contact's name matches (`match`, `score` are templates
    over `{col}`), best `score` first, at most $3."""
    branches = [
        f"""SELECT d.id, {score.format(col="d.title")} AS s FROM {SCHEMA}.deals d
            WHERE {match.format(col="d.title")} AND {_SCOPE.format(d="d")}""",
        f"""SELECT d.id, {score.format(col="d.company")} FROM {SCHEMA}.deals d
            WHERE {match.format(col="d.company")} AND {_SCOPE.format(d="d")}""",
        f"""SELECT d.id, {score.format(col="c.name")} FROM {SCHEMA}.contacts c
            JOIN {SCHEMA}.deals d ON d.contact_id = c.id
            WHERE {match.format(col="c.name")} AND {_SCOPE.format(d="d")}""",
    ]
    return f"""
    WITH hits AS ({" UNION ALL ".join(branches)}),
    best AS (SELECT id, max(s) AS s FROM hits GROUP BY id ORDER BY max(s) DESC, id LIMIT $3)
    SELECT x.* FROM best JOIN ({SELECT_DEALS}) x ON x.id = best.id
    ORDER BY best.s DESC, x.created_at DESC, x.id"""


# Words are first looked for as they are typed (ILIKE: the GIN index intersects all of the
# text's trigrams, so «Ромашка-123» reads a few hundred rows, not every «Ромашка»); only when
# nothing contains them, by word similarity (a misspelt «Смирнава»), which reads every row
# sharing most trigrams and is the slower path.
_LIKE = ("{col} ILIKE $1", "similarity({col}, $4)")
_FUZZY = ("$1 <% {col}", "word_similarity($1, {col})")
_DEALS_LIKE = _word_hits(*_LIKE)
_DEALS_FUZZY = _word_hits(*_FUZZY)


def pattern(text: str) -> str:
    """`text` as an ILIKE pattern matching it anywhere, its wildcards taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


_SEEN = f"""(SELECT count(*) FROM {SCHEMA}.deals d
             WHERE d.contact_id = c.id AND {_SCOPE.format(d="d")})"""


async def find_deals(
    conn: asyncpg.Connection, needle: Needle, responsible_id: str | None, limit: int
) -> list[Deal]:
    """The deals matching, best first (a phone or e-mail: newest first)."""
    if needle.kind == "words":
        like = pattern(needle.value)
        rows = await conn.fetch(_DEALS_LIKE, like, responsible_id, limit, needle.value)
        if not rows:
            rows = await conn.fetch(_DEALS_FUZZY, needle.value, responsible_id, limit)
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
    if needle.kind != "words":
        where, order = f"c.{_KEY[needle.kind]} = $1", "c.created_at DESC"
        rows = await _contacts(conn, where, order, needle.value, responsible_id, limit)
    else:
        where, order = "c.name ILIKE $1", "similarity(c.name, $4) DESC, c.created_at DESC"
        like = pattern(needle.value)
        rows = await _contacts(conn, where, order, like, responsible_id, limit, needle.value)
        if not rows:
            where, order = "$1 <% c.name", "word_similarity($1, c.name) DESC, c.created_at DESC"
            rows = await _contacts(conn, where, order, needle.value, responsible_id, limit)
    return [
        {**contact_from_row(r).to_dto().model_dump(mode="json"), "deals_count": r["seen"]}
        for r in rows
    ]


async def _contacts(
    conn: asyncpg.Connection, where: str, order: str, *args: Any
) -> list[asyncpg.Record]:
    """Contacts by `where` in `order` that have a deal in scope ($2), at most $3."""
    rows: list[asyncpg.Record] = await conn.fetch(
        f"""SELECT * FROM (SELECT c.*, {_SEEN} AS seen FROM {SCHEMA}.contacts c
                           WHERE {where} ORDER BY {order} LIMIT $3 * 4) m
            WHERE m.seen > 0 LIMIT $3""",
        *args,
    )
    return rows


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
