"""Requests awaiting the РОП's agreement: kept when a move is refused for it, dropped when the
deal moves (granted when it moves where it was asked to) or the РОП declines, and listed for
whoever may agree (or see them)."""

from __future__ import annotations

from typing import Any

from crm_shared.config.access import scope
from crm_shared.contracts.deal import (
    ApprovalDeclined,
    ApprovalGranted,
    DeclineApproval,
    MoveDeal,
    PendingApprovals,
)
from crm_shared.contracts.envelope import utcnow
from crm_shared.contracts.refusals import ErrorCode, Refused, ok
from crm_shared.contracts.text import utc_text
from crm_shared.machinery.outbox import UnitOfWork
from deal_service.adapters import approvals, story
from deal_service.adapters import repository as repo
from deal_service.domain.model import Deal
from deal_service.domain.rules import check_user, is_deals_rop
from deal_service.handlers.context import Context


def after_refusal(uow: UnitOfWork, deal: Deal, cmd: MoveDeal, refused: Refused) -> None:
    """A move the РОП must agree to: the request waits on the deal until it moves."""
    if refused.error.code is ErrorCode.rop_approval_required:
        at = utcnow()
        approvals.asked(uow, deal.id, cmd.to_stage, cmd.actor_id, at)
        story.record(uow, deal.id, "approval_asked", cmd.actor_id, at, to_stage=cmd.to_stage)


async def after_move(uow: UnitOfWork, deal: Deal, actor_id: str) -> None:
    """The deal moved: no request waits any more. A move by someone else than the asker to
    the stage asked for is the РОП's agreement (rule 6): the story keeps it and
    ApprovalGranted tells whoever asked (the notifier's `approval_granted`)."""
    request = await approvals.take(uow.conn, deal.id)
    if request is None or request["to_stage"] != deal.stage or request["asked_by"] == actor_id:
        return
    asked_by, at = request["asked_by"], utcnow()
    story.record(
        uow, deal.id, "approval_granted", actor_id, at, to_stage=deal.stage, asked_by=asked_by
    )
    uow.emit(
        ApprovalGranted(
            deal_id=deal.id,
            to_stage=deal.stage,
            asked_by=asked_by,
            actor_id=actor_id,
            deal=deal.to_dto(),
        ),
        subject_id=deal.id,
    )


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
                "asked_at": utc_text(request["at"]),
            }
            for deal, request in found
        ]
    )


async def decline_approval(cmd: DeclineApproval, ctx: Context) -> dict[str, Any]:
    """The РОП declines a waiting request with a reason: it waits no more, the deal stays,
    and ApprovalDeclined tells whoever asked (the notifier's `approval_declined`)."""
    check_user(ctx.config, cmd.actor_id, "actor_id")
    reason = cmd.reason.strip()
    if not reason:
        raise Refused(ErrorCode.invalid, "reason: say why the request is declined")
    async with ctx.uow() as uow:
        deal = await repo.get_deal(uow.conn, cmd.deal_id, lock=True)
        if deal is None:
            raise Refused(ErrorCode.not_found, f"deal {cmd.deal_id!r} not found")
        if not is_deals_rop(deal, cmd.actor_id, ctx.config):
            raise Refused(
                ErrorCode.forbidden,
                f"{cmd.actor_id!r} may not decline requests on deal {deal.id}: only who may "
                "agree does (the deal's РОП)",
            )
        request = await approvals.waiting(uow.conn, deal.id)
        if request is None:
            raise Refused(ErrorCode.transition_not_allowed, f"no request waits on deal {deal.id}")
        at = utcnow()
        approvals.settled(uow, deal.id)
        story.record(
            uow,
            deal.id,
            "approval_declined",
            cmd.actor_id,
            at,
            to_stage=request["to_stage"],
            asked_by=request["asked_by"],
            reason=reason,
        )
        uow.emit(
            ApprovalDeclined(
                deal_id=deal.id,
                to_stage=request["to_stage"],
                asked_by=request["asked_by"],
                actor_id=cmd.actor_id,
                reason=reason,
                deal=deal.to_dto(),
            ),
            subject_id=deal.id,
        )
        await uow.commit()
    return ok(deal_id=deal.id, to_stage=request["to_stage"], asked_by=request["asked_by"])
