"""Who reads and changes which deal (issue 14; SPEC §5 "answered in the caller's scope").

A user whose role has `access: all` (every РОП; managers when so configured) reads and
changes every deal; a manager with `own` only the deals they are responsible for. Whatever
the access, only a user with role rop reassigns a deal's responsible or replaces its РОП; the
РОП's agreement to rule 6 is `rules.is_deals_rop`. A refusal is `forbidden`, also for a read:
like Bitrix24's "access denied", it tells the caller the deal is there but not theirs, which
a deal id (a random UUID) does not otherwise reveal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crm_shared.config import CrmConfig
from crm_shared.contracts.commands import ErrorCode, Refused

if TYPE_CHECKING:
    from deal_service.domain.model import Deal


def scope(config: CrmConfig, actor_id: str) -> str | None:
    """The responsible a query is narrowed to: None for a user who sees all, else the actor.

    An unknown actor is refused (`not_found`), as in a command.
    """
    user = config.user_or_none(actor_id)
    if user is None:
        raise Refused(ErrorCode.not_found, f"actor_id: unknown user {actor_id!r}", reason="user")
    return None if config.sees_all(actor_id) else actor_id


def narrowed(config: CrmConfig, actor_id: str, responsible_id: str | None) -> str | None:
    """The `responsible_id` filter of a query as the actor may ask it.

    A user who sees all keeps their filter; a manager with `own` gets their own deals, and a
    filter naming anyone else is refused rather than answered empty, so a client can tell
    "none" from "not yours".
    """
    own = scope(config, actor_id)
    if own is None:
        return responsible_id
    if responsible_id is not None and responsible_id != own:
        raise Refused(
            ErrorCode.forbidden,
            f"{actor_id!r} sees only their own deals (access: own), "
            f"not those of {responsible_id!r}",
            reason="others_deals",
        )
    return own


def check_may_see(config: CrmConfig, deal: Deal, actor_id: str) -> None:
    """Refuse (`forbidden`) unless the actor may read and change `deal`."""
    own = scope(config, actor_id)
    if own is not None and deal.responsible_id != own:
        raise Refused(
            ErrorCode.forbidden,
            f"{actor_id!r} may not access deal {deal.id}: a manager works only the deals "
            "they are responsible for (access: own); the deal's РОП may",
            reason="not_own",
        )


def check_may_assign(
    config: CrmConfig,
    actor_id: str,
    *,
    responsible: tuple[str | None, str | None] | None = None,
    rop: tuple[str | None, str | None] | None = None,
) -> None:
    """Refuse (`forbidden`) a change of responsible or of a РОП already set by a non-РОП.

    `responsible` and `rop` are (before, after) pairs of the fields the command sets; a
    manager may still name themselves on a new deal and fill an empty РОП field (the free
    plan's task asks them to).
    """
    user = config.user_or_none(actor_id)
    if user is not None and user.role == "rop":
        return
    if responsible is not None and responsible[1] != responsible[0]:
        raise Refused(
            ErrorCode.forbidden,
            f"{actor_id!r} may not assign the deal to {responsible[1]!r}: only a РОП "
            "reassigns a deal's responsible",
            reason="reassign",
        )
    if rop is not None and rop[0] is not None and rop[1] != rop[0]:
        raise Refused(
            ErrorCode.forbidden,
            f"{actor_id!r} may not replace the deal's РОП {rop[0]!r}: only a РОП does",
            reason="replace_rop",
        )
