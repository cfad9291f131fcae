"""Which events a caller may see on the live feed.

Until the services scope their own answers, the gateway streams: to a РОП, and to a token
with events:read, everything; to a manager, the events of deals and tasks they are
responsible for.
"""

from __future__ import annotations

from typing import Any

from gateway.domain.people import Principal


def owner_of(data: dict[str, Any]) -> str | None:
    """The responsible user an event is about, read from its data."""
    for key in ("deal", "task"):
        inner = data.get(key)
        if isinstance(inner, dict) and inner.get("responsible_id"):
            return str(inner["responsible_id"])
    owner = data.get("responsible_id")
    return str(owner) if owner else None


def recipient_of(data: dict[str, Any]) -> str | None:
    """Whom a notification is for."""
    user = data.get("user_id")
    return str(user) if user else None


def may_see(viewer: Principal, owner: str | None, *, private: bool = False) -> bool:
    """Whether `viewer` may see an event whose deal or task belongs to `owner`.

    `private` events (a person's notifications) are for their owner alone, whatever the
    viewer's role; a token with events:read sees them all (it is an operator's tool).
    """
    if private:
        return viewer.kind == "token" or (owner is not None and owner == viewer.id)
    return viewer.sees_everything or (owner is not None and owner == viewer.id)
