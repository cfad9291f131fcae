"""Finding deals and contacts (issue 22): by a contact's E.164 phone or e-mail (their
b-tree indexes), by a part of a phone (the digits inside it: the trigram index of migration
0018), or by words in contacts' names, deals' titles and companies (full-text GIN indexes of
migration 0014, else pg_trgm's word similarity on those of 0012).

Every statement takes the actor's scope (`$2`: the responsible a manager with `access: own`
is narrowed to, NULL for whoever sees all) inside each branch, so a hit the actor may not see
neither shows nor takes a place under the limit.
"""

from __future__ import annotations

import re
from typing import Any

import asyncpg

from deal_service.adapters.contacts import contact_from_row
from deal_service.adapters.repository import SELECT_DEALS, deal_from_row
from deal_service.domain.model import Deal
from deal_service.domain.search import Needle
from deal_service.settings import SCHEMA

_SCOPE = "($2::text IS NULL OR {d}.responsible_id = $2)"
_KEY = {"phone": "phone_norm", "email": "email_norm"}


CANDIDATES = 5
"""Rows each branch of a words search ranks, per result asked for: a word as common as
«Поставка» matches a fifth of all deals, and ranking every one of them is what would cost;
those a person means are found by typing one more word."""


def _word_hits(match: str, score: str) -> str:
    """Deals whose title, company or contact's name matches (`match`, `score` are templates
    over `{col}`), the first $3 × CANDIDATES of each branch ranked, best `score` first, at
    most $3."""
    branches = [
        f"""(SELECT d.id, {score.format(col="d.title")} AS s FROM {SCHEMA}.deals d
             WHERE {match.format(col="d.title")} AND {_SCOPE.format(d="d")}
             LIMIT $3 * {CANDIDATES})""",
        f"""(SELECT d.id, {score.format(col="d.company")} FROM {SCHEMA}.deals d
             WHERE {match.format(col="d.company")} AND {_SCOPE.format(d="d")}
             LIMIT $3 * {CANDIDATES})""",
        f"""(SELECT d.id, {score.format(col="c.name")} FROM {SCHEMA}.contacts c
             JOIN {SCHEMA}.deals d ON d.contact_id = c.id
             WHERE {match.format(col="c.name")} AND {_SCOPE.format(d="d")}
             LIMIT $3 * {CANDIDATES})""",
    ]
    return f"""
    WITH hits AS ({" UNION ALL ".join(branches)}),
    best AS (SELECT id, max(s) AS s FROM hits GROUP BY id ORDER BY max(s) DESC, id LIMIT $3)
    SELECT x.* FROM best JOIN ({SELECT_DEALS}) x ON x.id = best.id
    ORDER BY best.s DESC, x.created_at DESC, x.id"""


# Words are first looked for as whole words (the last one as a prefix, as people type) in
# the full-text indexes of migration 0014: a word's posting list is short, so «Ромашка-123»
# reads a few hundred entries. Only when no name, title or company holds them at all (a
# misspelt «Сидорв») are they compared by word similarity (`<%`, the trigram indexes of
# 0010), which reads every row sharing most trigrams: the slower path.
# Names, titles and companies are compared with ё read as е, as indexed (migration 0017);
# the query is folded the same way (domain.search.read_query).
_FOLDED = "translate({col}, 'Ёё', 'Ее')"
_BLANK_FOLDED = _FOLDED.replace("{col}", "coalesce({col}, '')")
_WORDS = f"to_tsvector('simple'::regconfig, {_BLANK_FOLDED}) @@ to_tsquery('simple', $1)"
_SIMILAR = f"similarity({_FOLDED}, $4)"
_WORDS_MATCH = (_WORDS, _SIMILAR)
_FUZZY = (f"$1 <% {_FOLDED}", f"word_similarity($1, {_FOLDED})")
_DEALS_WORDS = _word_hits(*_WORDS_MATCH)
_DEALS_FUZZY = _word_hits(*_FUZZY)
_ANY_WORDS = f"""SELECT EXISTS (
        SELECT FROM {SCHEMA}.contacts c WHERE {_WORDS.format(col="c.name")})
    OR EXISTS (SELECT FROM {SCHEMA}.deals d WHERE {_WORDS.format(col="d.title")})
    OR EXISTS (SELECT FROM {SCHEMA}.deals d WHERE {_WORDS.format(col="d.company")})"""
_SEEN = f"""(SELECT count(*) FROM {SCHEMA}.deals d
             WHERE d.contact_id = c.id AND {_SCOPE.format(d="d")})"""
# A part of a phone ($1, digits only: nothing LIKE reads as a wildcard) is looked for inside
# the E.164 phones by their trigram index (migration 0018), those contacts read first
# (MATERIALIZED), at most PHONE_HITS of them, then each one's deals by their index (LATERAL,
# OFFSET 0 keeps it a loop). Planned as joins at a million, PostgreSQL guessed 10,000
# contacts where 300 matched and hashed all of a manager's deals (580 ms), or for «912034»
# walked the newest deals until 20 matched (395 ms).
PHONE_HITS = 1000
"""Contacts a part of a phone is looked for among: digits every phone holds («7912») would
be a million; those a person means are found by typing more of them."""
_DIGITS = f"""hit AS MATERIALIZED (SELECT * FROM {SCHEMA}.contacts
        WHERE phone_norm LIKE '%' || $1 || '%' LIMIT {PHONE_HITS})"""


def _newest(hits: str, key: str) -> str:
    """The deals whose `key` is a hit's id, in scope, newest first, at most $3."""
    return f"""WITH {hits}, found AS (
        SELECT d.* FROM hit CROSS JOIN LATERAL (
            SELECT d.id, d.created_at FROM {SCHEMA}.deals d
            WHERE d.{key} = hit.id AND {_SCOPE.format(d="d")} OFFSET 0) d
        ORDER BY d.created_at DESC, d.id LIMIT $3)
    SELECT x.* FROM found JOIN ({SELECT_DEALS}) x ON x.id = found.id
    ORDER BY x.created_at DESC, x.id"""


_DEALS_BY_DIGITS = _newest(_DIGITS, "contact_id")
# The number as a word (the last one a prefix) of titles and companies, read first as well:
# with the words search's LIMITed branches a manager's title branch was planned as a walk of
# all their deals (1.4 s at a million for a number no title holds).
_DEALS_BY_NUMBER = _newest(
    f"""hit AS MATERIALIZED (
        SELECT id FROM {SCHEMA}.deals d
        WHERE {_WORDS.format(col="d.title")} OR {_WORDS.format(col="d.company")}
        LIMIT {PHONE_HITS})""",
    "id",
)
_CONTACTS_BY_DIGITS = f"""WITH {_DIGITS}
    SELECT * FROM (SELECT c.*, {_SEEN} AS seen FROM hit c) c
    WHERE c.seen > 0 ORDER BY c.created_at DESC, c.id LIMIT $3"""
_TSQUERY_SPECIAL = re.compile(r"[&|!():*<>'\\\\]+")


def tsquery(text: str) -> str | None:
    """The words of `text` as a tsquery, all of them required, the last as a prefix; None
    when nothing is left of them."""
    words = [w for w in _TSQUERY_SPECIAL.sub(" ", text).split() if w.strip("-")]
    if not words:
        return None
    return " & ".join([*(f"'{w}'" for w in words[:-1]), f"'{words[-1]}':*"])


async def _by_words(
    conn: asyncpg.Connection, needle: Needle, responsible_id: str | None, limit: int
) -> tuple[list[asyncpg.Record], bool]:
    """Deals by whole words in scope, and whether anything at all holds the words."""
    query = tsquery(needle.value)
    if query is None:
        return [], False
    rows = await conn.fetch(_DEALS_WORDS, query, responsible_id, limit, needle.value)
    held = bool(rows) or bool(await conn.fetchval(_ANY_WORDS, query))
    return rows, held


async def find_deals(
    conn: asyncpg.Connection, needle: Needle, responsible_id: str | None, limit: int
) -> list[Deal]:
    """The deals matching, best first (a phone or e-mail: newest first; a part of a phone:
    its contacts' newest first, then those whose title or company holds the number)."""
    if needle.kind == "words":
        rows, held = await _by_words(conn, needle, responsible_id, limit)
        if not held:
            rows = await conn.fetch(_DEALS_FUZZY, needle.value, responsible_id, limit)
    elif needle.kind == "digits":
        rows = await conn.fetch(_DEALS_BY_DIGITS, needle.value, responsible_id, limit)
        if len(rows) < limit:  # «2024» may be a year in a title, «1234» a deal's number
            words = await conn.fetch(_DEALS_BY_NUMBER, tsquery(needle.value), responsible_id, limit)
            got = {r["id"] for r in rows}
            rows += [r for r in words if r["id"] not in got][: limit - len(rows)]
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
    if needle.kind == "digits":
        rows = await conn.fetch(_CONTACTS_BY_DIGITS, needle.value, responsible_id, limit)
    elif needle.kind != "words":
        where, order = f"c.{_KEY[needle.kind]} = $1", "c.created_at DESC"
        rows = await _contacts(conn, where, order, needle.value, responsible_id, limit)
    else:
        query = tsquery(needle.value)
        where = _WORDS.format(col="c.name")
        order = f"{_SIMILAR.format(col='c.name')} DESC, c.created_at DESC"
        rows = []
        if query is not None:
            rows = await _contacts(conn, where, order, query, responsible_id, limit, needle.value)
        if not rows and (query is None or not await conn.fetchval(_ANY_WORDS, query)):
            where, score = (f.format(col="c.name") for f in _FUZZY)
            order = f"{score} DESC, c.created_at DESC"
            rows = await _contacts(conn, where, order, needle.value, responsible_id, limit)
    return [
        {**contact_from_row(r).to_dto().model_dump(mode="json"), "deals_count": r["seen"]}
        for r in rows
    ]


async def _contacts(
    conn: asyncpg.Connection, where: str, order: str, *args: Any
) -> list[asyncpg.Record]:
    """Contacts by `where` that have a deal in scope ($2), the first $3 × CANDIDATES ranked
    in `order`, at most $3."""
    rows: list[asyncpg.Record] = await conn.fetch(
        f"""SELECT * FROM (
                SELECT c.*, {_SEEN} AS seen FROM (
                    SELECT * FROM {SCHEMA}.contacts c WHERE {where}
                    LIMIT $3 * {CANDIDATES}) c) c
            WHERE c.seen > 0 ORDER BY {order} LIMIT $3""",
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
