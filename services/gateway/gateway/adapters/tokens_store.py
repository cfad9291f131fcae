"""Integration tokens in PostgreSQL, with a short in-process cache for the hot path."""

from __future__ import annotations

import time
from typing import Any

import asyncpg
from sqlalchemy import bindparam
from sqlmodel import col, select

from crm_shared.machinery.tables import Query
from gateway.adapters.tables import TokenRow
from gateway.domain.people import Scope
from gateway.domain.tokens import Integration
from gateway.settings import SCHEMA

# The live token with an id, or of a source name: the typed read of every token request.
_LIVE_BY = {
    by: Query.of(
        select(TokenRow).where(column == bindparam("value"), col(TokenRow.revoked_at).is_(None))
    )
    for by, column in (("id", col(TokenRow.id)), ("name", col(TokenRow.name)))
}


def _integration(row: Any) -> Integration:
    return Integration(
        id=row["id"],
        name=row["name"],
        secret_hash=row["secret_hash"],
        scopes=frozenset(Scope(s) for s in row["scopes"]),
        format=row["format"],
        rate_per_second=row["rate_per_second"],
        burst=row["burst"],
        webhook_secret=row["webhook_secret"],
        owner_id=row["owner_id"],
    )


class NameTaken(Exception):
    """A live token already has this name."""


class TokenStore:
    """Live (not revoked) tokens by id and by source name.

    A token is read from the database at most every `cache_seconds` per process, so a
    revocation takes effect within that time on every replica.
    """

    def __init__(self, pool: asyncpg.Pool, cache_seconds: float = 5.0) -> None:
        self.pool = pool
        self.cache_seconds = cache_seconds
        self._cache: dict[str, tuple[float, Integration | None]] = {}

    async def by_id(self, token_id: str) -> Integration | None:
        """The live token with this id."""
        return await self._cached(f"id:{token_id}", "id", token_id)

    async def by_name(self, name: str) -> Integration | None:
        """The live token of this source name."""
        return await self._cached(f"name:{name}", "name", name)

    async def _cached(self, key: str, column: str, value: str) -> Integration | None:
        now = time.monotonic()
        hit = self._cache.get(key)
        if hit is not None and now - hit[0] < self.cache_seconds:
            return hit[1]
        query = _LIVE_BY[column]
        row = await self.pool.fetchrow(query.sql, *query.args(value=value))
        found = None if row is None else _integration(row)
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[key] = (now, found)
        return found

    async def live_ids(self, ids: set[str]) -> set[str]:
        """Those of `ids` that are live tokens now (read past the cache)."""
        rows = await self.pool.fetch(
            f"SELECT id FROM {SCHEMA}.tokens WHERE id = ANY($1::text[]) AND revoked_at IS NULL",
            list(ids),
        )
        return {r["id"] for r in rows}

    async def create(self, token: Integration) -> None:
        """Store a new token (its secret only as a hash); NameTaken if a live one has its name."""
        try:
            await self._insert(token)
        except asyncpg.UniqueViolationError:
            raise NameTaken(token.name) from None
        finally:
            self._cache.clear()  # "no such name" may have been cached a moment ago

    async def _insert(self, token: Integration) -> None:
        await self.pool.execute(
            f"""INSERT INTO {SCHEMA}.tokens
                (id, name, secret_hash, scopes, format, webhook_secret, rate_per_second, burst,
                 owner_id)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)""",
            token.id,
            token.name,
            token.secret_hash,
            sorted(s.value for s in token.scopes),
            token.format,
            token.webhook_secret,
            token.rate_per_second,
            token.burst,
            token.owner_id,
        )

    async def revoke(self, token_id_or_name: str) -> int:
        """Revoke the live token with this id or name; returns how many were revoked."""
        status = await self.pool.execute(
            f"""UPDATE {SCHEMA}.tokens SET revoked_at = now()
                WHERE (id = $1 OR name = $1) AND revoked_at IS NULL""",
            token_id_or_name,
        )
        self._cache.clear()
        return int(status.split()[-1])

    async def all(self) -> list[dict[str, Any]]:
        """Every token, newest first, without secrets."""
        rows = await self.pool.fetch(
            f"""SELECT id, name, scopes, format, rate_per_second, burst, created_at, revoked_at,
                       owner_id, webhook_secret IS NOT NULL AS signed
                FROM {SCHEMA}.tokens ORDER BY created_at DESC"""
        )
        return [dict(r) for r in rows]
