"""The gateway's tables for people: passwords, sessions, failed sign-ins (schema `gateway`)."""

from __future__ import annotations

from datetime import datetime, timedelta

import asyncpg
from sqlalchemy import bindparam, func
from sqlmodel import col, select

from crm_shared.machinery.tables import Query
from gateway.adapters.tables import PasswordRow, SessionRow
from gateway.settings import SCHEMA

# The typed reads of every signed-in request (the session) and of every sign-in (the hash).
_PASSWORD_HASH = Query.of(select(PasswordRow.hash).where(PasswordRow.user_id == bindparam("user")))
_LIVE_SESSION = Query.of(
    select(SessionRow.user_id, SessionRow.csrf).where(
        SessionRow.token_hash == bindparam("token"), col(SessionRow.expires_at) > func.now()
    )
)


class PeopleStore:
    """Passwords, sessions and sign-in failures in PostgreSQL (shared by every replica)."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def password_hash(self, user_id: str) -> str | None:
        """The stored hash of a user's password, or None."""
        value = await self.pool.fetchval(_PASSWORD_HASH.sql, *_PASSWORD_HASH.args(user=user_id))
        return None if value is None else str(value)

    async def set_password_hash(self, user_id: str, hashed: str) -> None:
        """Set a user's password and end their sessions (a new password signs everyone out)."""
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute(
                f"""INSERT INTO {SCHEMA}.passwords (user_id, hash) VALUES ($1, $2)
                    ON CONFLICT (user_id) DO UPDATE SET hash = $2, updated_at = now()""",
                user_id,
                hashed,
            )
            await conn.execute(f"DELETE FROM {SCHEMA}.sessions WHERE user_id = $1", user_id)

    async def users_with_password(self) -> set[str]:
        """Ids of the users that have a password."""
        return {
            r["user_id"] for r in await self.pool.fetch(f"SELECT user_id FROM {SCHEMA}.passwords")
        }

    async def open_session(
        self, token_hash: str, user_id: str, csrf: str, lifetime: timedelta
    ) -> datetime:
        """Store a new session; returns when it expires."""
        expires = await self.pool.fetchval(
            f"""INSERT INTO {SCHEMA}.sessions (token_hash, user_id, csrf, expires_at)
                VALUES ($1, $2, $3, now() + $4::interval) RETURNING expires_at""",
            token_hash,
            user_id,
            csrf,
            lifetime,
        )
        assert isinstance(expires, datetime)
        return expires

    async def session(self, token_hash: str) -> tuple[str, str] | None:
        """(user_id, csrf) of a live session, or None when there is none or it has expired."""
        row = await self.pool.fetchrow(_LIVE_SESSION.sql, *_LIVE_SESSION.args(token=token_hash))
        return None if row is None else (row["user_id"], row["csrf"])

    async def live_sessions(self, hashes: set[str]) -> set[str]:
        """Those of `hashes` whose session is live (not signed out, expired or ended by a new
        password)."""
        rows = await self.pool.fetch(
            f"""SELECT token_hash FROM {SCHEMA}.sessions
                WHERE token_hash = ANY($1::text[]) AND expires_at > now()""",
            list(hashes),
        )
        return {r["token_hash"] for r in rows}

    async def close_session(self, token_hash: str) -> None:
        """Sign out: the session is gone."""
        await self.pool.execute(f"DELETE FROM {SCHEMA}.sessions WHERE token_hash = $1", token_hash)

    async def prune(self) -> None:
        """Drop expired sessions and failures older than a day."""
        await self.pool.execute(f"DELETE FROM {SCHEMA}.sessions WHERE expires_at < now()")
        await self.pool.execute(
            f"DELETE FROM {SCHEMA}.signin_failures WHERE at < now() - interval '1 day'"
        )

    async def failures(self, keys: list[str], window: timedelta) -> dict[str, list[datetime]]:
        """Times of the failed sign-ins of each key within `window`, and the database's now."""
        rows = await self.pool.fetch(
            f"""SELECT key, at FROM {SCHEMA}.signin_failures
                WHERE key = ANY($1::text[]) AND at > now() - $2::interval""",
            keys,
            window,
        )
        out: dict[str, list[datetime]] = {k: [] for k in keys}
        for r in rows:
            out[r["key"]].append(r["at"])
        return out

    async def now(self) -> datetime:
        """The database's clock (the one failure times are stamped with)."""
        value = await self.pool.fetchval("SELECT now()")
        assert isinstance(value, datetime)
        return value

    async def record_failure(self, keys: list[str]) -> None:
        """Count a failed sign-in against each key (the account and the address)."""
        await self.pool.execute(
            f"INSERT INTO {SCHEMA}.signin_failures (key) SELECT unnest($1::text[])", keys
        )

    async def clear_failures(self, key: str) -> None:
        """A successful sign-in forgives the account's failures (not the address's)."""
        await self.pool.execute(f"DELETE FROM {SCHEMA}.signin_failures WHERE key = $1", key)
