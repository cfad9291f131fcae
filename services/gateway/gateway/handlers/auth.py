"""Signing people in and out, and finding who a request comes from."""

from __future__ import annotations

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
from gateway.handlers.errors import Refusal, too_many


@dataclass(frozen=True)
class OpenedSession:
    """A new session: the cookie's value (shown only to the browser) and its CSRF token."""

    cookie: str
    principal: Principal
    expires_at: datetime


async def sign_in(ctx: Context, user_id: str, password: str, address: str) -> OpenedSession:
    """Check the password; too many failures for the account or the address → 429."""
    s = ctx.settings
    window = timedelta(seconds=s.signin_window_seconds)
    account, origin = f"user:{user_id}", f"addr:{address}"
    seen = await ctx.people.failures([account, origin], window)
    now = await ctx.people.now()
    wait = max(
        retry_after(seen[account], now, window, s.signin_max_failures_account) or 0.0,
        retry_after(seen[origin], now, window, s.signin_max_failures_address) or 0.0,
    )
    if wait:
        ctx.metrics.signins.labels("throttled").inc()
        raise too_many(wait, "too many failed sign-ins")
    user = ctx.config.user_or_none(user_id)
    stored = await ctx.people.password_hash(user_id) if user else None
    if user is None or not await verify(stored, password):
        await ctx.people.record_failure([account, origin])
        ctx.metrics.signins.labels("refused").inc()
        raise Refusal(401, "unauthenticated", "wrong user or password")
    await ctx.people.clear_failures(account)
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
        raise Refusal(404, "not_found", f"no user {user_id!r} in the configuration")
    if len(password) < 8:
        raise Refusal(400, "invalid", "a password has at least 8 characters")
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
