"""Webhook and e-mail deliveries, their attempt log and disabled endpoints (schema `notifier`).

A delivery is claimed with a lease rather than held locked during the attempt: the claim
pushes `next_attempt_at` past the longest attempt and commits at once, so no transaction
stays open across a slow HTTP call, and a replica that dies mid-attempt leaves a row that
becomes due again when the lease runs out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import asyncpg
from sqlalchemy import func
from sqlmodel import select

from crm_shared.machinery.tables import Query, const
from notifier.adapters.tables import DeliveryRow
from notifier.settings import SCHEMA


@dataclass(frozen=True)
class NewDelivery:
    """A notification to hand to one webhook endpoint or mailbox."""

    id: str
    channel: str
    user_id: str
    kind: str
    target: str
    payload: bytes


@dataclass(frozen=True)
class Claimed:
    """A delivery taken for one attempt (`attempt` counts from 1)."""

    id: str
    channel: str
    user_id: str
    kind: str
    target: str
    payload: bytes
    attempt: int
    disabled: bool


async def add(conn: asyncpg.Connection, rows: list[NewDelivery]) -> None:
    """Queue deliveries, due at once (in the caller's transaction)."""
    if rows:
        await conn.executemany(
            f"""INSERT INTO {SCHEMA}.deliveries (id, channel, user_id, kind, target, payload)
                VALUES ($1, $2, $3, $4, $5, $6)""",
            [(r.id, r.channel, r.user_id, r.kind, r.target, r.payload) for r in rows],
        )


async def claim_due(conn: asyncpg.Connection, limit: int, lease: float) -> list[Claimed]:
    """Take up to `limit` due deliveries for `lease` seconds; replicas skip each other's."""
    rows = await conn.fetch(
        f"""UPDATE {SCHEMA}.deliveries d
            SET attempts = attempts + 1,
                next_attempt_at = clock_timestamp() + make_interval(secs => $2)
            WHERE id IN (
                SELECT id FROM {SCHEMA}.deliveries
                WHERE status = 'pending' AND next_attempt_at <= clock_timestamp()
                ORDER BY next_attempt_at LIMIT $1
                FOR UPDATE SKIP LOCKED)
            RETURNING id, channel, user_id, kind, target, payload, attempts,
                EXISTS (SELECT 1 FROM {SCHEMA}.disabled_endpoints e
                        WHERE d.channel = 'webhook' AND e.url = d.target) AS disabled""",
        limit,
        lease,
    )
    return [
        Claimed(
            r["id"],
            r["channel"],
            r["user_id"],
            r["kind"],
            r["target"],
            bytes(r["payload"]),
            r["attempts"],
            r["disabled"],
        )
        for r in rows
    ]


async def next_due_in(conn: asyncpg.Connection) -> float | None:
    """Seconds until the earliest pending delivery is due (<= 0: now), None if none."""
    value = await conn.fetchval(
        f"""SELECT extract(epoch FROM min(next_attempt_at) - clock_timestamp())
            FROM {SCHEMA}.deliveries WHERE status = 'pending'"""
    )
    return None if value is None else float(value)


async def record_attempt(
    conn: asyncpg.Connection,
    claimed: Claimed,
    *,
    status: str,
    outcome: str,
    status_code: int | None,
    error: str | None,
    duration_ms: int,
    retry_in: float | None,
) -> None:
    """Log the attempt and set the delivery's new status (and when to try next)."""
    await conn.execute(
        f"""INSERT INTO {SCHEMA}.delivery_attempts
                (delivery_id, attempt, status_code, outcome, error, duration_ms, retry_in_seconds)
            VALUES ($1, $2, $3, $4, $5, $6, $7)""",
        claimed.id,
        claimed.attempt,
        status_code,
        outcome,
        error,
        duration_ms,
        retry_in,
    )
    # `attempts = $` : if our lease ran out and another replica took the row meanwhile, its
    # attempt decides the row's state, not ours.
    await conn.execute(
        f"""UPDATE {SCHEMA}.deliveries
            SET status = $3, last_error = $4,
                next_attempt_at = clock_timestamp() + make_interval(secs => $5),
                delivered_at = CASE WHEN $3 = 'delivered' THEN clock_timestamp() END
            WHERE id = $1 AND attempts = $2""",
        claimed.id,
        claimed.attempt,
        status,
        error,
        retry_in or 0.0,
    )


async def disable_endpoint(conn: asyncpg.Connection, url: str, user_id: str, reason: str) -> None:
    """Stop delivering to `url` (the receiver answered 410 Gone)."""
    await conn.execute(
        f"""INSERT INTO {SCHEMA}.disabled_endpoints (url, user_id, reason)
            VALUES ($1, $2, $3) ON CONFLICT (url) DO NOTHING""",
        url,
        user_id,
        reason,
    )


def _count(status: str) -> Query:
    """Deliveries in `status`, counted from its partial index (deliveries_due, _failed)."""
    return Query.of(
        select(func.count()).select_from(DeliveryRow).where(DeliveryRow.status == const(status))
    )


_COUNT_PENDING = _count("pending")
_COUNT_FAILED = _count("failed")


async def count_pending(conn: asyncpg.Connection) -> int:
    """Deliveries still to be made (for the gauge)."""
    return int(await conn.fetchval(_COUNT_PENDING.sql) or 0)


async def count_failed(conn: asyncpg.Connection) -> int:
    """Deliveries given up after max_attempts (for the gauge)."""
    return int(await conn.fetchval(_COUNT_FAILED.sql) or 0)


async def list_by_status(
    conn: asyncpg.Connection,
    status: str,
    user_id: str | None,
    limit: int,
    id_prefix: str | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """The newest `limit` deliveries in `status` (failed or pending), and how many there are
    (of one recipient's, of those whose id starts with `id_prefix`, when given)."""
    where = (
        "status = $1 AND ($2::text IS NULL OR user_id = $2)"
        " AND ($3::text IS NULL OR id LIKE $3 || '%')"
    )
    rows = await conn.fetch(
        f"""SELECT id, channel, user_id, kind, target, status, attempts, last_error,
                created_at, next_attempt_at,
                (SELECT max(at) FROM {SCHEMA}.delivery_attempts a
                 WHERE a.delivery_id = d.id) AS last_attempt_at
            FROM {SCHEMA}.deliveries d WHERE {where}
            ORDER BY created_at DESC, id LIMIT $4""",
        status,
        user_id,
        id_prefix,
        limit,
    )
    total = await conn.fetchval(
        f"SELECT count(*) FROM {SCHEMA}.deliveries WHERE {where}", status, user_id, id_prefix
    )
    return [dict(r) for r in rows], int(total or 0)


async def retry_failed(conn: asyncpg.Connection, ids: list[str] | None) -> list[str]:
    """Make failed deliveries due now (all of them when `ids` is None); returns their ids.

    Their attempt count stays, so a retry by hand is one more attempt: if it fails too, the
    delivery is failed again, with the new error.
    """
    rows = await conn.fetch(
        f"""UPDATE {SCHEMA}.deliveries SET status = 'pending', next_attempt_at = clock_timestamp()
            WHERE status = 'failed' AND ($1::text[] IS NULL OR id = ANY($1::text[]))
            RETURNING id""",
        ids,
    )
    return sorted(r["id"] for r in rows)


async def statuses(conn: asyncpg.Connection, ids: list[str]) -> dict[str, str]:
    """The status of each of these deliveries that exists."""
    rows = await conn.fetch(
        f"SELECT id, status FROM {SCHEMA}.deliveries WHERE id = ANY($1::text[])", ids
    )
    return {r["id"]: r["status"] for r in rows}
