"""Deal commands: create, update, move, contact attempt. Each is one transaction."""

from __future__ import annotations

from typing import Any

from crm_shared.commands import (
    CreateDeal,
    ErrorCode,
    LogContactAttempt,
    MoveDeal,
    Refused,
    UpdateDeal,
    ok,
)
from crm_shared.envelope import utcnow
from crm_shared.events import DealUpdated, MoveRejected, RejectionError, StageChanged
from crm_shared.outbox import UnitOfWork
from deal_service.adapters import repository as repo
from deal_service.domain.model import Deal
from deal_service.domain.rules import check_move, check_user
from deal_service.handlers.context import Context
from deal_service.handlers.opening import assign_responsible, new_deal, open_deal, resolve_contact
from deal_service.handlers.updates import apply_fields

Reply = dict[str, Any]


def _actor(ctx: Context, actor_id: str) -> None:
    check_user(ctx.config, actor_id, "actor_id")


async def _locked(uow: UnitOfWork, deal_id: str) -> Deal:
    deal = await repo.get_deal(uow.conn, deal_id, lock=True)
    if deal is None:
        raise Refused(ErrorCode.not_found, f"deal {deal_id!r} not found")
    return deal


async def create_deal(cmd: CreateDeal, ctx: Context) -> Reply:
    """Open a deal by hand in the entry stage (rule 8), with the РОП robot applied."""
    _actor(ctx, cmd.actor_id)
    check_user(ctx.config, cmd.responsible_id, "responsible_id")
    check_user(ctx.config, cmd.rop_id, "rop_id", role="rop")
    if cmd.contact is not None and cmd.contact_id is not None:
        raise Refused(ErrorCode.invalid, "give either contact or contact_id, not both")
    async with ctx.uow() as uow:
        if cmd.contact_id is not None:
            contact = await repo.get_contact(uow.conn, cmd.contact_id)
            if contact is None:
                raise Refused(ErrorCode.not_found, f"contact {cmd.contact_id!r} not found")
        else:
            contact = await resolve_contact(uow, cmd.contact)
        responsible = cmd.responsible_id
        if responsible is None:
            actor = ctx.config.user_or_none(cmd.actor_id)
            is_manager = actor is not None and actor.role == "manager"
            responsible = cmd.actor_id if is_manager else await assign_responsible(ctx, uow)
        deal = new_deal(
            ctx,
            title=cmd.title,
            amount=cmd.amount,
            currency=cmd.currency or "RUB",
            company=cmd.company,
            contact=contact,
            responsible_id=responsible,
            rop_id=cmd.rop_id,
            subject=cmd.subject,
            requirements=cmd.requirements,
            delivery_method=cmd.delivery_method.value if cmd.delivery_method else None,
            source=cmd.source or "manual",
        )
        await open_deal(ctx, uow, deal, actor_id=cmd.actor_id, origin="manual")
        await uow.commit()
    return ok(deal=deal.to_dto().model_dump(mode="json"))


async def update_deal(cmd: UpdateDeal, ctx: Context) -> Reply:
    """Change fields (never the stage); bumps the version and emits DealUpdated."""
    _actor(ctx, cmd.actor_id)
    given = cmd.fields.model_dump(exclude_unset=True)
    if "responsible_id" in given:
        check_user(ctx.config, cmd.fields.responsible_id, "fields.responsible_id")
    if "rop_id" in given:
        check_user(ctx.config, cmd.fields.rop_id, "fields.rop_id", role="rop")
    async with ctx.uow() as uow:
        deal = await _locked(uow, cmd.deal_id)
        changed = await apply_fields(deal, cmd.fields, uow)
        if changed:
            deal.version += 1
            deal.updated_at = utcnow()
            await repo.update_deal(uow.conn, deal)
            uow.emit(DealUpdated(deal=deal.to_dto(), changed=changed), subject_id=deal.id)
            await uow.commit()
    return ok(deal=deal.to_dto().model_dump(mode="json"), changed=changed)


async def move_deal(cmd: MoveDeal, ctx: Context) -> Reply:
    """Move a deal, or refuse the whole move with the reason (rules 4–7)."""
    _actor(ctx, cmd.actor_id)
    async with ctx.uow() as uow:
        deal = await _locked(uow, cmd.deal_id)
        try:
            check_move(deal, cmd.to_stage, cmd.actor_id, cmd.failure_comment, ctx.config)
        except Refused as refused:
            await _reject(ctx, uow, deal, cmd, refused)
            raise
        from_stage = deal.stage
        deal.stage = cmd.to_stage
        if cmd.failure_comment:
            deal.failure_comment = cmd.failure_comment
        deal.version += 1
        deal.updated_at = utcnow()
        await repo.update_deal(uow.conn, deal)
        await repo.add_stage_history(uow.conn, deal, from_stage, cmd.actor_id)
        uow.emit(
            StageChanged(
                deal_id=deal.id,
                from_stage=from_stage,
                to_stage=deal.stage,
                version=deal.version,
                actor_id=cmd.actor_id,
                deal=deal.to_dto(),
            ),
            subject_id=deal.id,
        )
        await uow.commit()
    ctx.metrics.stage_transitions.labels(from_stage, deal.stage).inc()
    if deal.stage == ctx.config.success_stage.code:
        ctx.metrics.deals_won.inc()
        ctx.metrics.won_amount.labels(deal.currency).inc(float(deal.amount or 0))
        ctx.metrics.won_amount_by_responsible.labels(
            deal.responsible_id or "unassigned", deal.currency
        ).inc(float(deal.amount or 0))
    return ok(deal=deal.to_dto().model_dump(mode="json"))


async def _reject(
    ctx: Context, uow: UnitOfWork, deal: Deal, cmd: MoveDeal, refused: Refused
) -> None:
    """Record the refusal as MoveRejected (the notifier tells the responsible)."""
    err = refused.error
    uow.emit(
        MoveRejected(
            deal_id=deal.id,
            to_stage=cmd.to_stage,
            actor_id=cmd.actor_id,
            error=RejectionError(
                code=err.code.value, message=err.message, missing_fields=err.missing_fields
            ),
            responsible_id=deal.responsible_id,
            from_stage=deal.stage,
        ),
        subject_id=deal.id,
    )
    await uow.commit()
    ctx.metrics.moves_refused.labels(err.code.value).inc()


async def log_contact_attempt(cmd: LogContactAttempt, ctx: Context) -> Reply:
    """Count a failed attempt to reach the client (rule 6 needs three)."""
    _actor(ctx, cmd.actor_id)
    async with ctx.uow() as uow:
        deal = await _locked(uow, cmd.deal_id)
        if ctx.config.is_final(deal.stage):
            raise Refused(ErrorCode.transition_not_allowed, f"the deal is closed in {deal.stage}")
        now = utcnow()
        deal.contact_attempts += 1
        deal.version += 1
        deal.updated_at = now
        await repo.update_deal(uow.conn, deal)
        await repo.add_contact_attempt(uow.conn, deal.id, cmd.actor_id, cmd.note, now)
        uow.emit(DealUpdated(deal=deal.to_dto(), changed=["contact_attempts"]), subject_id=deal.id)
        await uow.commit()
    return ok(deal=deal.to_dto().model_dump(mode="json"))
