"""Who reads and changes which deal (issue 14; SPEC §5 "answered in the caller's scope").

Own vs all is the shared rule (`crm_shared.config.access`: `scope`, `narrowed`, the owner's
check), which task-service applies to tasks too. Deal-service adds: whatever the access, only
a user with role rop reassigns a deal's responsible or replaces its РОП; the РОП's agreement
to rule 6 is `rules.is_deals_rop`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crm_shared.config import CrmConfig
from crm_shared.config.access import check_owner
from crm_shared.contracts.refusals import ErrorCode, Refused

if TYPE_CHECKING:
    from deal_service.domain.model import Deal

__all__ = ["check_may_assign", "check_may_see"]


def check_may_see(config: CrmConfig, deal: Deal, actor_id: str) -> None:
    """Refuse (`forbidden`) unless the actor may read and change `deal`."""
    check_owner(config, actor_id, deal.responsible_id, f"deal {deal.id}")


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
