"""Idempotency-Key records in PostgreSQL (kept a day; a dead in-flight claim is taken over)."""

from __future__ import annotations

import asyncpg

from gateway.domain.idempotency import Record
from gateway.settings import SCHEMA

# A request still "in flight" after this long died with its process: a retry may take it over.
STALE_SECONDS = 30


class IdempotencyStore:
    """Claims a key for a request, stores its answer, forgets it after a failure."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def claim(self, scope: str, key: str, fingerprint: str) -> Record | None:
        """Claim `key` for this request: None when claimed, else what the key already has."""
        row = await self.pool.fetchrow(
            f"""WITH fresh AS (
                    INSERT INTO {SCHEMA}.idempotency (scope, key, fingerprint) VALUES ($1, $2, $3)
                    ON CONFLICT (scope, key) DO UPDATE
                        SET fingerprint = $3, created_at = now(), status = NULL, body = NULL
                        WHERE (idempotency.status IS NULL
                               AND idempotency.created_at < now() - make_interval(secs => $4))
                           OR idempotency.created_at < now() - interval '1 day'
                    RETURNING 1
                )
                SELECT NULL AS fingerprint, NULL::int AS status, NULL::bytea AS body,
                       NULL AS content_type, true AS claimed FROM fresh
                UNION ALL
                SELECT fingerprint, status, body, content_type, false FROM {SCHEMA}.idempotency
                WHERE scope = $1 AND key = $2 AND NOT EXISTS (SELECT 1 FROM fresh)""",
            scope,
            key,
            fingerprint,
            float(STALE_SECONDS),
        )
        if row is None:
            # A concurrent first request committed its claim after this statement's snapshot
            # was taken: read it now (it is in flight, or just answered).
            row = await self.pool.fetchrow(
                f"""SELECT *, false AS claimed FROM {SCHEMA}.idempotency
                    WHERE scope = $1 AND key = $2""",
                scope,
                key,
            )
            if row is None:
                return Record(fingerprint, None)
        if row["claimed"]:
            return None
        return Record(row["fingerprint"], row["status"], row["body"], row["content_type"])

    async def answer(
        self, scope: str, key: str, status: int, body: bytes, content_type: str
    ) -> None:
        """Keep the first answer for replays."""
        await self.pool.execute(
            f"""UPDATE {SCHEMA}.idempotency SET status = $3, body = $4, content_type = $5
                WHERE scope = $1 AND key = $2""",
            scope,
            key,
            status,
            body,
            content_type,
        )

    async def release(self, scope: str, key: str) -> None:
        """The request failed before an answer worth keeping: a retry may try again."""
        await self.pool.execute(
            f"DELETE FROM {SCHEMA}.idempotency WHERE scope = $1 AND key = $2 AND status IS NULL",
            scope,
            key,
        )

    async def prune(self) -> None:
        """Forget keys older than a day (the draft's advice: a key lives at least 24 h)."""
        await self.pool.execute(
            f"DELETE FROM {SCHEMA}.idempotency WHERE created_at < now() - interval '1 day'"
        )
