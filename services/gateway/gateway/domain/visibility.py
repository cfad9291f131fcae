"""Which events a caller may see on the live feed.

The same rule as the services' answers (crm_shared.config.access): a caller whose role has
`access: all` (every РОП; managers when so configured) sees every deal's and task's events,
a manager with `own` those of the deals and tasks they are responsible for, and, when a deal
is taken from them, the event that takes it (so their board drops the card at once). The
access is the configured one, carried by the principal (`sees_all`).
"""

from __future__ import annotations

from typing import Any

from gateway.domain.people import Principal


def owners_of(data: dict[str, Any]) -> tuple[str, ...]:
    """The responsible users an event is about, read from its data: the deal's or task's
    responsible, and the one it had before when the event reassigned it."""
    found: list[str] = []
    for key in ("deal", "task"):
        inner = data.get(key)
        if isinstance(inner, dict) and inner.get("responsible_id"):
            found.append(str(inner["responsible_id"]))
            break
    else:
        if data.get("responsible_id"):
            found.append(str(data["responsible_id"]))
    if data.get("previous_responsible_id"):
        found.append(str(data["previous_responsible_id"]))
    return tuple(found)


def recipient_of(data: dict[str, Any]) -> tuple[str, ...]:
    """Whom a notification is for."""
    user = data.get("user_id")
    return (str(user),) if user else ()


def may_see(viewer: Principal, owners: tuple[str, ...], *, private: bool = False) -> bool:
    """Whether `viewer` may see an event whose deal or task belongs to `owners`.

    `private` events (a person's notifications) are for their owner alone, whatever the
    viewer's access; a token acts as its owner here too, and one with no owner (an operator's
    tool with events:read) sees them all.
    """
    if viewer.kind == "token" and viewer.actor_id is None:
        return True
    if not private and viewer.sees_all:
        return True
    return viewer.actor_id is not None and viewer.actor_id in owners
