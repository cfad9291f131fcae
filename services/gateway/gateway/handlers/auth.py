"""Signing people in and out, and finding who a request comes from."""

from __future__ import annotations

import asyncio
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from crm_shared.config import CrmConfig
from gateway.adapters.passwords import hash_password, verify
from gateway.adapters.store import PeopleStore
from gateway.domain.people import Principal, user_principal
from gateway.domain.throttle import retry_after
from gateway.domain.tokens import digest, new_secret
from gateway.handlers.context import Context
from gateway.handlers.errors import Refusal


@dataclass(frozen=True)
class OpenedSession:
    """A new session: the cookie's value (shown only to the browser) and its CSRF token."""

    cookie: str
    principal: Principal
    expires_at: datetime


async def sign_in(ctx: Context, user_id: str, password: str, address: str) -> OpenedSession:
    """Check the password, the attempt counted first (`PeopleStore.attempt`).

    Failures are counted per account and address (`CRM_GATEWAY_SIGNIN_MAX_FAILURES`, then
    429) and per address (`…_ADDRESS`, then 429): guesses from one address hold back that
    address only, never the account's owner elsewhere. Per account, from anywhere, past
    `CRM_GATEWAY_SIGNIN_SLOW_AFTER` failures each attempt waits
    `CRM_GATEWAY_SIGNIN_DELAY_SECONDS` and the account's attempts are checked one at a time
    in the process: slowed, never refused. An unknown user costs the same argon2 check.
    """
    s = ctx.settings
    window = timedelta(seconds=s.signin_window_seconds)
    pair, origin, account = f"pair:{user_id}|{address}", f"addr:{address}", f"user:{user_id}"
    limits = {pair: s.signin_max_failures_account, origin: s.signin_max_failures_address}
    seen, now, allowed = await ctx.people.attempt({**limits, account: 0}, window)
    if not allowed:
        wait = max(retry_after(seen[k], now, window, limit) or 0.0 for k, limit in limits.items())
        ctx.metrics.signins.labels("throttled").inc()
        seconds = max(1, int(wait + 0.999))
        raise Refusal(
            429,
            "too_many_requests",
            f"too many failed sign-ins; try again in {seconds} s",
            headers={"Retry-After": str(seconds)},
            retry_after=seconds,
            reason="signin",
        )
    user = ctx.config.user_or_none(user_id)
    stored = await ctx.people.password_hash(user_id) if user else None
    if len(seen[account]) >= s.signin_slow_after:
        ctx.metrics.signins.labels("delayed").inc()
        async with ctx.slowed(user_id):
            await asyncio.sleep(s.signin_delay_seconds)
            right = await verify(stored, password)
    else:
        right = await verify(stored, password)  # run for an unknown user too: same time
    if user is None or not right:
        ctx.metrics.signins.labels("refused").inc()
        raise Refusal(401, "unauthenticated", "wrong user or password", reason="password")
    await ctx.people.succeeded([origin, account], now, forgive=pair)
    cookie, csrf = new_secret(), new_secret()
    expires = await ctx.people.open_session(
        digest(cookie), user.id, csrf, timedelta(seconds=s.session_seconds)
    )
    ctx.metrics.signins.labels("ok").inc()
    principal = user_principal(
        user.id, user.name, user.role, csrf, sees_all=ctx.config.sees_all(user.id)
    )
    return OpenedSession(cookie, principal, expires)


async def session_principal(ctx: Context, cookie: str) -> Principal | None:
    """The signed-in person of a session cookie, or None (no such session, or expired)."""
    hashed = digest(cookie)
    found = await ctx.people.session(hashed)
    if found is None:
        return None
    user = ctx.config.user_or_none(found[0])
    if user is None:  # removed from the configuration since
        return None
    return user_principal(
        user.id,
        user.name,
        user.role,
        found[1],
        sees_all=ctx.config.sees_all(user.id),
        session=hashed,
    )


def check_csrf(principal: Principal, header: str | None) -> None:
    """A state-changing request of a session must echo the session's CSRF token."""
    if principal.csrf is None:
        return
    if not header or not hmac.compare_digest(header, principal.csrf):
        raise Refusal(403, "csrf", "missing or wrong X-CSRF-Token header")


async def sign_out(ctx: Context, cookie: str) -> None:
    """End the session (its live streams end with it: `Streams.end`)."""
    await ctx.people.close_session(digest(cookie))
    ctx.streams.end(f"session:{digest(cookie)}")


async def set_password(config: CrmConfig, people: PeopleStore, user_id: str, password: str) -> None:
    """Set a configured user's password (ends their sessions)."""
    if config.user_or_none(user_id) is None:
        raise Refusal(404, "not_found", f"no user {user_id!r} in the configuration", reason="user")
    if len(password) < 8:
        raise Refusal(
            400, "invalid", "a password has at least 8 characters", reason="password_short"
        )
    await people.set_password_hash(user_id, hash_password(password))


async def ensure_dev_passwords(
    config: CrmConfig, people: PeopleStore, known: dict[str, str]
) -> dict[str, str]:
    """The dev stack: a password for every configured user, made once. `known` are the ones
    made before (kept under the data dir); returns them with any new ones."""
    known = dict(known)
    have = await people.users_with_password()
    for user in config.users:
        if user.id in have and user.id in known:
            continue
        known[user.id] = secrets.token_urlsafe(9)
        await set_password(config, people, user.id, known[user.id])
    return known
