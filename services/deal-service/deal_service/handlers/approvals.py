"""Requests awaiting the РОП's agreement: kept when a move is refused for it, dropped when the
deal moves, and listed for whoever may agree (or see them)."""

from __future__ import annotations

from typing import Any

from crm_shared.contracts.approvals import PendingApprovals
from crm_shared.contracts.commands import ErrorCode, MoveDeal, Refused, ok
from crm_shared.contracts.envelope import utcnow
from crm_shared.machinery.outbox import UnitOfWork
from deal_service.adapters import approvals
from deal_service.domain.access import scope
from deal_service.domain.model import Deal
from deal_service.handlers.context import Context


def after_refusal(uow: UnitOfWork, deal: Deal, cmd: MoveDeal, refused: Refused) -> None:
    """A move the РОП must agree to: the request waits on the deal until it moves."""
    if refused.error.code is ErrorCode.rop_approval_required:
        approvals.asked(uow, deal.id, cmd.to_stage, cmd.actor_id, utcnow())


def after_move(uow: UnitOfWork, deal: Deal) -> None:
    """The deal moved (the РОП's agreement is such a move): no request waits any more."""
    approvals.settled(uow, deal.id)


async def pending_approvals(q: PendingApprovals, ctx: Context) -> dict[str, Any]:
    """The waiting requests the actor may agree to (a РОП) or see (anyone else)."""
    user = ctx.config.user_or_none(q.actor_id)
    responsible = scope(ctx.config, q.actor_id)  # not_found for an unknown actor
    rop = q.actor_id if user is not None and user.role == "rop" else None
    async with ctx.uow() as uow:
        found = await approvals.pending(
            uow.conn, rop_id=rop, responsible_id=responsible, limit=q.limit
        )
    return ok(
        items=[
            {
                "deal": deal.to_dto().model_dump(mode="json"),
                "to_stage": request["to_stage"],
                "asked_by": request["asked_by"],
                "asked_at": request["at"].isoformat(),
            }
            for deal, request in found
        ]
    )
