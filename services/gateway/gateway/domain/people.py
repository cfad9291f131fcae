"""Who is asking: a signed-in person or an integration token, and what each may do."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Scope(StrEnum):
    """What an integration token may do; a signed-in person may do all of it."""

    leads_write = "leads:write"
    deals_read = "deals:read"
    deals_write = "deals:write"
    tasks_read = "tasks:read"
    tasks_write = "tasks:write"
    events_read = "events:read"
    reports_read = "reports:read"


ALL_SCOPES = frozenset(Scope)
OWNERLESS_SCOPES = frozenset({Scope.leads_write, Scope.events_read})
"""What a token with no owner may do: send leads and read the event feed, nothing that acts
as a person (it has no one to act as)."""


@dataclass(frozen=True)
class Principal:
    """The caller of one HTTP request.

    `actor_id` is the signed-in user's id, the actor of every command and query the gateway
    sends on their behalf. A token acts as its owner (`acts_as`, the user who made it, as a
    Bitrix24 incoming webhook does), with that user's role and access, its scopes narrowing
    them further: the services check and scope what it asks as they would for that user. A
    token with no owner acts as no one: it sends leads and reads the event feed only.
    `sees_all` is the configured `access` of the user acted as (an owner-less token with
    events:read follows the whole feed, as an operator's tool).
    """

    kind: str  # "user" | "token"
    id: str
    name: str
    role: str | None = None  # manager | rop, for users
    scopes: frozenset[Scope] = field(default=ALL_SCOPES)
    csrf: str | None = None  # the session's CSRF token, for users
    acts_as: str | None = None  # for a token: the user its commands and queries are made as
    sees_all: bool = False  # every deal's events on the live feed (the configured access)
    credential: str = ""  # "session:<sha256 of the cookie>" or "token:<id>": what must stay live

    @property
    def holder(self) -> str:
        """Whose live streams are counted together: the user's, or the token's."""
        return f"{self.kind}:{self.id}"

    @property
    def actor_id(self) -> str | None:
        """The user id commands and queries carry."""
        return self.id if self.kind == "user" else self.acts_as

    @property
    def ownerless(self) -> bool:
        """A token made for no user: it acts as no one."""
        return self.kind == "token" and self.acts_as is None

    def may(self, scope: Scope) -> bool:
        """Whether this caller holds `scope` (a token with no owner: leads and events only)."""
        if self.ownerless and scope not in OWNERLESS_SCOPES:
            return False
        return scope in self.scopes

    def refusal(self, scope: Scope) -> str:
        """Why `may(scope)` is False, for the 403 answer."""
        if self.ownerless and scope not in OWNERLESS_SCOPES:
            return (
                f"this token has no owner, so it acts as no one: it may only send leads and "
                f"read events, not {scope.value}; make a token as a user (POST /api/tokens "
                f"signed in, or python -m gateway tokens create --as <user_id>)"
            )
        return f"this token lacks the scope {scope.value}"


def user_principal(
    user_id: str,
    name: str,
    role: str,
    csrf: str | None = None,
    *,
    sees_all: bool = False,
    session: str = "",
) -> Principal:
    """A signed-in person: every scope, acting as themselves (`session`: the SHA-256 of
    their session cookie)."""
    return Principal(
        kind="user",
        id=user_id,
        name=name,
        role=role,
        csrf=csrf,
        sees_all=sees_all,
        credential=f"session:{session}" if session else "",
    )
