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

    async def attempt(
        self, keys: dict[str, int], window: timedelta
    ) -> tuple[dict[str, list[datetime]], datetime, bool]:
        """Count a sign-in attempt before its password is checked.

        `keys` are the counters (account and address, address, account) with the number of
        failures within `window` that refuses the attempt (0: never refuses). Under a lock on
        each key, in one transaction: the failures of each key in the window are read and,
        unless a limit is reached, the attempt is recorded against every key as a failure
        (forgiven by `succeeded`). So parallel guesses are counted one after the other and no
        more than the limit are ever checked. Returns (failures by key, the database's now,
        whether the attempt was recorded and may go on).
        """
        names = sorted(keys)
        async with self.pool.acquire() as conn, conn.transaction():
            for name in names:
                await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"signin:{name}")
            now = await conn.fetchval("SELECT now()")
            rows = await conn.fetch(
                f"""SELECT key, at FROM {SCHEMA}.signin_failures
                    WHERE key = ANY($1::text[]) AND at > now() - $2::interval""",
                names,
                window,
            )
            seen: dict[str, list[datetime]] = {k: [] for k in names}
            for r in rows:
                seen[r["key"]].append(r["at"])
            allowed = all(not limit or len(seen[k]) < limit for k, limit in keys.items())
            if allowed:
                await conn.execute(
                    f"INSERT INTO {SCHEMA}.signin_failures (key, at) SELECT unnest($1::text[]), $2",
                    names,
                    now,
                )
        assert isinstance(now, datetime)
        return seen, now, allowed

    async def succeeded(self, keys: list[str], at: datetime, forgive: str) -> None:
        """The attempt recorded at `at` was right: it is no failure, and the failures of
        `forgive` (the account from this address) are forgiven."""
        await self.pool.execute(
            f"""DELETE FROM {SCHEMA}.signin_failures
                WHERE (key = ANY($1::text[]) AND at = $2) OR key = $3""",
            keys,
            at,
            forgive,
        )
