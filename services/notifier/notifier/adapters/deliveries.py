"""Webhook and e-mail deliveries, their attempt log and disabled endpoints (schema `notifier`).

A delivery is claimed with a lease rather than held locked during the attempt: the claim
pushes `next_attempt_at` past the longest attempt and commits at once, so no transaction
stays open across a slow HTTP call, and a replica that dies mid-attempt leaves a row that
becomes due again when the lease runs out.
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

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


async def count_pending(conn: asyncpg.Connection) -> int:
    """Deliveries still to be made (for the gauge)."""
    value = await conn.fetchval(
        f"SELECT count(*) FROM {SCHEMA}.deliveries WHERE status = 'pending'"
    )
    return int(value or 0)
