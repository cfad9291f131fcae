"""Inbox: the ids of events each consumer has already processed, for idempotence.

Claimed in the same transaction as the state they change, so an event redelivered after a
crash between commit and ack is recognised and skipped.

Rows are kept for `CRM_INBOX_RETENTION_DAYS` (default 7) and then deleted by `InboxPruner`:
a copy of an event comes back within minutes (a redelivery after the ack wait, a re-publish
by the outbox sweep), not after days, and the table would otherwise grow by a row per event
per consumer for ever.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import asyncpg

from crm_shared.requests import REQUEST_RETENTION

log = logging.getLogger(__name__)
# How many rows one DELETE removes, so that pruning never holds locks for long.
PRUNE_CHUNK = 10_000


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


def inbox_age_index_ddl(schema: str) -> list[str]:
    """A BRIN index on when rows came in (they come in time order: a few kB for millions)."""
    return [f'CREATE INDEX inbox_received_at ON "{schema}".inbox USING brin (received_at)']


def drop_inbox_age_index_ddl(schema: str) -> list[str]:
    """Undo `inbox_age_index_ddl`."""
    return [f'DROP INDEX IF EXISTS "{schema}".inbox_received_at']


async def prune(
    pool: asyncpg.Pool, schema: str, older_than: timedelta, table: str = "inbox"
) -> int:
    """Delete rows of `table` received more than `older_than` ago, in chunks; returns how many.

    `table` is the inbox or the table of handled requests (crm_shared.requests): both keep
    `received_at` under a BRIN index.
    """
    total = 0
    while True:
        status = await pool.execute(
            f"""DELETE FROM "{schema}".{table} WHERE ctid = ANY(ARRAY(
                    SELECT ctid FROM "{schema}".{table}
                    WHERE received_at < now() - $1::interval LIMIT $2))""",
            older_than,
            PRUNE_CHUNK,
        )
        deleted = int(status.split()[-1])
        total += deleted
        if deleted < PRUNE_CHUNK:
            return total


class InboxPruner:
    """Prunes a service's inbox every `interval` seconds, keeping `retention` (None: for ever),
    and its handled requests, keeping `requests_retention` (24 hours)."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        schema: str,
        retention: timedelta | None,
        interval: float = 600.0,
        requests_retention: timedelta | None = REQUEST_RETENTION,
    ) -> None:
        self._pool = pool
        self._schema = schema
        self._tables = [
            (table, keep)
            for table, keep in (("inbox", retention), ("handled_requests", requests_retention))
            if keep is not None
        ]
        self._interval = interval

    async def run(self) -> None:
        """Prune now and then until cancelled; a failure is logged and tried next time."""
        while True:
            for table, keep in self._tables:
                try:
                    deleted = await prune(self._pool, self._schema, keep, table)
                except Exception as exc:
                    log.warning(
                        "pruning %s failed, next try in %.0fs: %r", table, self._interval, exc
                    )
                else:
                    if deleted:
                        log.info("%s: %d rows older than %s deleted", table, deleted, keep)
            await asyncio.sleep(self._interval)
