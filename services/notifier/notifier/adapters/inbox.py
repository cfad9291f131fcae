"""Each user's notification inbox (schema `notifier`, table `notifications`).

Not to be confused with `crm_shared.machinery.inbox`, the consumers' record of handled event ids.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from crm_shared.contracts.notify import Notification
from crm_shared.contracts.text import utc_text
from crm_shared.machinery.outbox import UnitOfWork
from crm_shared.machinery.paging import decode_seq, encode_seq
from notifier.adapters.deadlines import task_json
from notifier.domain.refusals import Reached, Refusal
from notifier.settings import SCHEMA


@dataclass(frozen=True)
class Item:
    """One notification as the inbox shows it."""

    id: str
    kind: str
    text: str
    deal_id: str
    task: dict[str, Any] | None
    created_at: datetime
    read: bool

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, as `ListNotifications` answers."""
        return {
            "id": self.id,
            "kind": self.kind,
            "text": self.text,
            "deal_id": self.deal_id,
            "task": self.task,
            "created_at": utc_text(self.created_at),
            "read": self.read,
        }


def store(
    uow: UnitOfWork,
    notes: list[Notification],
    dumped: dict[int, str] | None = None,
    stages: Mapping[str, Refusal] | None = None,
    read: Collection[str] = (),
) -> None:
    """Keep these notifications (each with its `id` set) in their users' inboxes, at commit
    (one statement with the outbox rows: no round trip of its own); `stages`: the refusal a
    refused move's notice tells of (its stage and the deal's version then), by the notice's
    id (`read_refusals`); `read`: the ids of those stored read already (`settled_already`)."""
    if not notes:
        return
    refused = [(stages or {}).get(n.id or "") for n in notes]
    uow.defer(
        f"""INSERT INTO {SCHEMA}.notifications
                (id, user_id, kind, text, deal_id, task, stage, deal_version, read_at)
            SELECT id, user_id, kind, text, deal_id, task, stage, deal_version,
                   CASE WHEN is_read THEN now() END
            FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
                        $6::jsonb[], $7::text[], $8::int[], $9::bool[])
                 AS t(id, user_id, kind, text, deal_id, task, stage, deal_version, is_read)
            ON CONFLICT (id) DO NOTHING""",
        [n.id for n in notes],
        [n.user_id for n in notes],
        [n.kind for n in notes],
        [n.text for n in notes],
        [n.deal_id for n in notes],
        [task_json(n.task, dumped) if n.task else None for n in notes],
        [r.stage if r else None for r in refused],
        [r.version if r else None for r in refused],
        [n.id in read for n in notes],
    )


async def lock_refusals(conn: asyncpg.Connection, deal_ids: Iterable[str]) -> None:
    """Take these deals' refusal locks until the transaction ends (in one order: no
    deadlock). A refusal stored and a move settling refusals of the same deal then run one
    after the other: the later sees what the earlier committed, whichever consumer it is."""
    ids = sorted(set(deal_ids))
    if ids:
        await conn.execute(
            "SELECT pg_advisory_xact_lock(hashtext('refusals:' || d)) FROM unnest($1::text[]) d",
            ids,
        )


async def settled_already(conn: asyncpg.Connection, refusals: Mapping[str, Refusal]) -> set[str]:
    """Of these refusals (by their notice's id), those the deal has got past already: the
    idle watch's copy of the deal is in the refused stage at a later version than the
    deal's at the refusal (any version, when the refusal does not say it). Takes the deals'
    refusal locks first (`lock_refusals`)."""
    if not refusals:
        return set()
    await lock_refusals(conn, (r.deal_id for r in refusals.values()))
    found = await conn.fetch(
        f"""SELECT r.id FROM unnest($1::text[], $2::text[], $3::text[], $4::int[])
                             AS r (id, deal_id, stage, version)
            JOIN {SCHEMA}.idle_deals d ON d.deal_id = r.deal_id
            WHERE d.stage = r.stage AND (r.version IS NULL OR d.version > r.version)""",
        list(refusals),
        [r.deal_id for r in refusals.values()],
        [r.stage for r in refusals.values()],
        [r.version for r in refusals.values()],
    )
    return {row["id"] for row in found}


async def read_refusals(
    conn: asyncpg.Connection, reached: list[Reached]
) -> list[tuple[str, str, str]]:
    """Mark read the unread `move_rejected` notices of these deals refused for the stage
    each deal entered, before it entered it (an older version, or none kept), whoever they
    went to; (user, deal, notice id) of each, in the inbox's order (domain/refusals.py)."""
    if not reached:
        return []
    # after a refusal being stored for the same deal commits (`settled_already`)
    await lock_refusals(conn, (r.deal_id for r in reached))
    rows = await conn.fetch(
        f"""UPDATE {SCHEMA}.notifications AS n SET read_at = now()
            FROM unnest($1::text[], $2::text[], $3::int[]) AS r (deal_id, stage, version)
            WHERE n.kind = 'move_rejected' AND n.read_at IS NULL
              AND n.deal_id = r.deal_id AND n.stage = r.stage
              AND (n.deal_version IS NULL OR n.deal_version < r.version)
            RETURNING n.user_id, n.deal_id, n.id, n.seq""",
        [r.deal_id for r in reached],
        [r.stage for r in reached],
        [r.version for r in reached],
    )
    return [(r["user_id"], r["deal_id"], r["id"]) for r in sorted(rows, key=lambda r: r["seq"])]


async def list_items(
    conn: asyncpg.Connection,
    user_id: str,
    *,
    unread_only: bool,
    since: datetime,
    limit: int,
    cursor: str | None,
    id_prefix: str | None = None,
) -> tuple[list[Item], int, str | None]:
    """A page of the inbox, newest first, the unread count and the next page's cursor;
    with `id_prefix`, only the notifications whose id starts so. One statement, one
    snapshot: the count is the page's own (two, a notice read between them gave a count
    that disagreed with the page)."""
    after = decode_cursor(cursor) if cursor else None
    # the count's row always comes; the page's rows beside it (none: one row of nulls)
    rows = await conn.fetch(
        f"""SELECT u.unread, p.* FROM (
                SELECT count(*) AS unread FROM {SCHEMA}.notifications
                WHERE user_id = $1 AND read_at IS NULL AND created_at >= $2) AS u
            LEFT JOIN LATERAL (
                SELECT seq, id, kind, text, deal_id, task, created_at,
                       read_at IS NOT NULL AS read
                FROM {SCHEMA}.notifications
                WHERE user_id = $1 AND created_at >= $2
                  AND (NOT $3 OR read_at IS NULL)
                  AND ($4::bigint IS NULL OR seq < $4)
                  AND ($6::text IS NULL OR id LIKE $6 || '%')
                ORDER BY seq DESC LIMIT $5) AS p ON true
            ORDER BY p.seq DESC""",
        user_id,
        since,
        unread_only,
        after,
        limit + 1,
        id_prefix,
    )
    unread = rows[0]["unread"]
    page = [r for r in rows if r["id"] is not None]
    items = [_item(r) for r in page[:limit]]
    more = len(page) > limit
    return items, int(unread), encode_cursor(page[limit - 1]["seq"]) if more else None


async def mark_read(conn: asyncpg.Connection, user_id: str, ids: list[str] | None) -> list[str]:
    """Mark the user's notifications read (`ids` None: all); the ids of those that were
    unread, in the inbox's order."""
    rows = await conn.fetch(
        f"""UPDATE {SCHEMA}.notifications SET read_at = now()
            WHERE user_id = $1 AND read_at IS NULL
              AND ($2::text[] IS NULL OR id = ANY($2::text[]))
            RETURNING id, seq""",
        user_id,
        ids,
    )
    return [r["id"] for r in sorted(rows, key=lambda r: r["seq"])]


async def prune(pool: asyncpg.Pool, before: datetime) -> int:
    """Delete notifications older than `before`, read or not; returns how many."""
    result = await pool.execute(f"DELETE FROM {SCHEMA}.notifications WHERE created_at < $1", before)
    return int(result.split()[-1])


def encode_cursor(seq: int) -> str:
    """An opaque paging cursor."""
    return encode_seq("notify", seq)


def decode_cursor(cursor: str) -> int:
    """Read a cursor made by `encode_cursor`; ValueError when it is not one (or holds what
    PostgreSQL would refuse: see crm_shared.machinery.paging)."""
    return decode_seq("notify", cursor)


async def about_deals(conn: asyncpg.Connection, deal_ids: list[str]) -> list[dict[str, Any]]:
    """Every user's notifications about these deals, oldest first (a person's data export)."""
    rows = await conn.fetch(
        f"""SELECT id, user_id, kind, text, deal_id, task, created_at, read_at IS NOT NULL AS read
            FROM {SCHEMA}.notifications WHERE deal_id = ANY($1::text[]) ORDER BY seq""",
        deal_ids,
    )
    return [{**_item(r).as_dict(), "user_id": r["user_id"]} for r in rows]


def _item(r: asyncpg.Record) -> Item:
    task = json.loads(r["task"]) if r["task"] else None
    return Item(r["id"], r["kind"], r["text"], r["deal_id"], task, r["created_at"], r["read"])
