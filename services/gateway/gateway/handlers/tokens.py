"""Integration tokens: making, revoking, and checking one on a request (with its rate limit)."""

from __future__ import annotations

import base64
import os
import time
import uuid
from dataclasses import dataclass

from crm_shared.config import CrmConfig
from gateway.adapters.tokens_store import NameTaken, TokenStore
from gateway.domain import tokens
from gateway.domain.people import Principal, Scope
from gateway.domain.tokens import Integration, Orphaned, TokenBucket
from gateway.handlers.context import Context
from gateway.handlers.errors import Refusal, bad_token, too_many


@dataclass(frozen=True)
class NewToken:
    """What is shown once: the token, and for a signed source its webhook secret."""

    integration: Integration
    token: str
    webhook_secret: str | None


async def create_token(
    store: TokenStore,
    name: str,
    scopes: list[str],
    *,
    format: str = "json",
    rate_per_second: float = 50.0,
    burst: int = 100,
    signed: bool = False,
    webhook_secret: str | None = None,
    owner: tuple[CrmConfig, str] | None = None,
) -> NewToken:
    """Make a token for an integration; its secret is stored only as a hash.

    `owner` is (the configuration, the user it acts as): the signed-in РОП who makes it over
    HTTP, the `--as` user of the command line. Without one the token acts as no one (leads
    and the event feed only).
    """
    owner_id = None
    if owner is not None:
        config, owner_id = owner
        if config.user_or_none(owner_id) is None:
            raise Refusal(
                404, "not_found", f"no user {owner_id!r} in the configuration", reason="user"
            )
    formats = ", ".join(tokens.FORMATS)
    if format not in tokens.FORMATS:
        raise Refusal(
            400,
            "invalid",
            f"format must be one of {formats}",
            reason="token_format",
            formats=formats,
        )
    try:
        wanted = frozenset(Scope(s) for s in scopes)
    except ValueError as exc:
        known = ", ".join(Scope)
        raise Refusal(
            400, "invalid", f"{exc}; scopes: {known}", reason="scopes", scopes=known
        ) from None
    if signed or format == "standard_webhooks":
        webhook_secret = webhook_secret or _whsec()
    token_id = uuid.uuid4().hex[:12]
    secret = tokens.new_secret()
    integration = Integration(
        id=token_id,
        name=name,
        secret_hash=tokens.digest(secret),
        scopes=wanted,
        format=format,
        rate_per_second=rate_per_second,
        burst=burst,
        webhook_secret=webhook_secret,
        owner_id=owner_id,
    )
    try:
        await store.create(integration)
    except NameTaken:
        raise Refusal(409, "conflict", f"a live token is named {name!r}; revoke it first") from None
    return NewToken(integration, tokens.compose(token_id, secret), webhook_secret)


def _whsec() -> str:
    return "whsec_" + base64.b64encode(os.urandom(32)).decode()


async def authenticate(ctx: Context, text: str) -> Integration:
    """The live token of a bearer text, within its rate limit; unknown or revoked → 401."""
    parsed = tokens.parse(text)
    found = await ctx.tokens.by_id(parsed[0]) if parsed else None
    if parsed is None or found is None or not tokens.matches(parsed[1], found.secret_hash):
        raise bad_token()
    spend(ctx, found)
    return found


def principal_of(ctx: Context, integration: Integration) -> Principal:
    """The caller a token makes, as its owner is configured now; an owner who is no longer
    a configured user leaves the token refused (403), never acting as someone else."""
    try:
        return integration.principal(ctx.config)
    except Orphaned as gone:
        raise Refusal(
            403, "forbidden", f"the token's owner {gone.args[0]!r} is no longer a configured user"
        ) from None


def spend(ctx: Context, integration: Integration) -> None:
    """Count one request against the token's rate limit; over it → 429 with Retry-After."""
    bucket = ctx.buckets.get(integration.id)
    if bucket is None or bucket.rate != integration.rate_per_second:
        bucket = TokenBucket(integration.rate_per_second, integration.burst)
        ctx.buckets[integration.id] = bucket
    wait = bucket.take(time.monotonic())
    if wait is not None:
        raise too_many(wait, f"rate limit of {integration.name}")
