"""Inbox: the ids of events each consumer has already processed, for idempotence.

Claimed in the same transaction as the state they change, so an event redelivered after a
crash between commit and ack is recognised and skipped.
"""

from __future__ import annotations

import asyncpg


def inbox_ddl(schema: str) -> list[str]:
    """DDL of the inbox table, for a service's first migration."""
    return [
        f"""CREATE TABLE "{schema}".inbox (
            consumer TEXT NOT NULL,
            event_id TEXT NOT NULL,
            received_at TIMESTAMPTZ NOT NULL DEFAULT now(),
            PRIMARY KEY (consumer, event_id)
        )""",
    ]


async def claim(
    conn: asyncpg.Connection, schema: str, consumer: str, event_ids: list[str]
) -> set[str]:
    """Record `event_ids` as processed by `consumer`; returns those not seen before."""
    if not event_ids:
        return set()
    rows = await conn.fetch(
        f"""INSERT INTO "{schema}".inbox (consumer, event_id)
            SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING RETURNING event_id""",
        consumer,
        event_ids,
    )
    return {r["event_id"] for r in rows}
