"""Integration tokens: their text form, their hash, and each token's rate limit."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from typing import Literal, get_args

from crm_shared.config import CrmConfig
from gateway.domain.people import Principal, Scope

PREFIX = "crm"
IntakeFormat = Literal["json", "tilda", "standard_webhooks", "bitrix24"]
"""How /intake/<source> reads a body: which adapter turns it into a lead."""
FORMATS: tuple[IntakeFormat, ...] = get_args(IntakeFormat)


def digest(secret: str) -> str:
    """SHA-256 of a high-entropy secret (a token, a session cookie): what the database keeps.

    Tokens carry 256 random bits, so a fast hash is enough (argon2 is for passwords, which
    people choose); and it keeps a token check cheap at a thousand leads a second.
    """
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret() -> str:
    """32 random bytes, URL-safe."""
    return secrets.token_urlsafe(32)


def compose(token_id: str, secret: str) -> str:
    """The text a person is shown once: `crm_<id>_<secret>`."""
    return f"{PREFIX}_{token_id}_{secret}"


def parse(text: str) -> tuple[str, str] | None:
    """(id, secret) of a token's text, or None when it is not one of ours."""
    parts = text.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


def matches(secret: str, secret_hash: str) -> bool:
    """Whether `secret` is the one whose digest is stored (constant time)."""
    return hmac.compare_digest(digest(secret), secret_hash)


@dataclass
class Integration:
    """A stored token: a source or a client system, its scopes and limits."""

    id: str
    name: str
    secret_hash: str
    scopes: frozenset[Scope]
    format: str
    rate_per_second: float
    burst: int
    webhook_secret: str | None = None
    owner_id: str | None = None
    """The user the token acts as, fixed when it is made; None: it acts as no one."""

    def principal(self, config: CrmConfig) -> Principal:
        """The caller this token makes: its owner as configured now (role and access), within
        the token's scopes; with no owner, only leads and the event feed.

        `Orphaned` when the owner is no longer a configured user.
        """
        if self.owner_id is None:
            return Principal(
                kind="token",
                id=self.id,
                name=self.name,
                scopes=self.scopes,
                sees_all=True,
                credential=f"token:{self.id}",
            )
        owner = config.user_or_none(self.owner_id)
        if owner is None:
            raise Orphaned(self.owner_id)
        return Principal(
            kind="token",
            id=self.id,
            name=self.name,
            role=owner.role,
            scopes=self.scopes,
            acts_as=owner.id,
            sees_all=config.sees_all(owner.id),
            credential=f"token:{self.id}",
        )


class Orphaned(Exception):
    """A token's owner is no longer a configured user."""


@dataclass
class TokenBucket:
    """`rate` requests a second on average, up to `burst` at once (one per token, per process)."""

    rate: float
    burst: int
    tokens: float = field(default=-1.0)
    at: float = 0.0

    def take(self, now: float) -> float | None:
        """Spend one request: None if allowed, else the seconds to wait before the next."""
        if self.tokens < 0:
            self.tokens, self.at = float(self.burst), now
        self.tokens = min(float(self.burst), self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return None
        return (1.0 - self.tokens) / self.rate if self.rate > 0 else 60.0
