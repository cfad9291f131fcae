"""Own vs all: whose deals and tasks a user reads and changes (issue 14; SPEC §5 "answered in
the caller's scope"), the one rule deal-service and task-service apply.

A user whose role has `access: all` (every РОП; managers when so configured) reads and
changes every deal and task; a manager with `own` those of the deals they are responsible
for. A filter naming someone else is refused rather than answered empty, so a client can
tell "none" from "not yours"; a refusal is `forbidden`, also for a read: like Bitrix24's
"access denied", it tells the caller the thing is there but not theirs, which an id (a
random UUID) does not otherwise reveal. What else a service adds stays with it
(deal-service: only a РОП reassigns; task-service: a task's creator sees it too).
"""

from __future__ import annotations

from typing import Literal

from crm_shared.contracts.refusals import ErrorCode, Refused

from .root import CrmConfig

__all__ = ["check_owner", "narrowed", "scope"]

Things = Literal["deals", "tasks"]


def scope(config: CrmConfig, actor_id: str) -> str | None:
    """The responsible an answer is narrowed to: None for a user who sees all, else the
    actor. An unknown actor is refused (`not_found`), as in a command."""
    if config.user_or_none(actor_id) is None:
        raise Refused(ErrorCode.not_found, f"actor_id: unknown user {actor_id!r}", reason="user")
    return None if config.sees_all(actor_id) else actor_id


def narrowed(
    config: CrmConfig, actor_id: str, responsible_id: str | None, *, of: Things = "deals"
) -> str | None:
    """The `responsible_id` filter of a query as the actor may ask it: a user who sees all
    keeps theirs (None: everyone's); a manager with `own` gets their own, and a filter
    naming anyone else is refused (`forbidden`, reason `others_deals`/`others_tasks`)."""
    own = scope(config, actor_id)
    if own is None:
        return responsible_id
    if responsible_id is not None and responsible_id != own:
        raise Refused(
            ErrorCode.forbidden,
            f"{actor_id!r} sees only their own {of} (access: own), not those of {responsible_id!r}",
            reason=f"others_{of}",
        )
    return own


def check_owner(config: CrmConfig, actor_id: str, responsible_id: str | None, what: str) -> None:
    """Refuse (`forbidden`, reason `not_own`) unless the actor may read and change `what`,
    a deal (or a deal's tasks) whose responsible is `responsible_id`; an unknown actor is
    `not_found`."""
    own = scope(config, actor_id)
    if own is not None and responsible_id != own:
        raise Refused(
            ErrorCode.forbidden,
            f"{actor_id!r} may not access {what}: a manager works only the deals they are "
            "responsible for (access: own); the deal's РОП may",
            reason="not_own",
        )
