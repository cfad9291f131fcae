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


@dataclass(frozen=True)
class Principal:
    """The caller of one HTTP request.

    `actor_id` is the signed-in user's id, the actor of every command and query the gateway
    sends on their behalf. A token acts as the organisation's default РОП (`acts_as`), within
    its scopes: the services check and scope what it asks as they would for that user.
    """

    kind: str  # "user" | "token"
    id: str
    name: str
    role: str | None = None  # manager | rop, for users
    scopes: frozenset[Scope] = field(default=ALL_SCOPES)
    csrf: str | None = None  # the session's CSRF token, for users
    acts_as: str | None = None  # for a token: the user its commands and queries are made as

    @property
    def actor_id(self) -> str | None:
        """The user id commands and queries carry."""
        return self.id if self.kind == "user" else self.acts_as

    @property
    def sees_everything(self) -> bool:
        """A РОП, or a token with events:read: every deal's events (until the services scope)."""
        return self.kind == "token" or self.role == "rop"

    def may(self, scope: Scope) -> bool:
        """Whether this caller holds `scope`."""
        return scope in self.scopes


def user_principal(user_id: str, name: str, role: str, csrf: str | None = None) -> Principal:
    """A signed-in person: every scope, acting as themselves."""
    return Principal(kind="user", id=user_id, name=name, role=role, csrf=csrf)
