"""Deal queries: get one, list with filters and paging; both in the actor's scope."""

from __future__ import annotations

from typing import Any

from crm_shared.config.access import narrowed
from crm_shared.contracts.deal import DealHistory, GetDeal, ListDeals, StageTotals
from crm_shared.contracts.refusals import ErrorCode, Refused, ok
from crm_shared.contracts.text import utc_text
from deal_service.adapters import repository as repo
from deal_service.domain.access import check_may_see
from deal_service.handlers.context import Context


async def get_deal(q: GetDeal, ctx: Context) -> dict[str, Any]:
    """One deal by id, if the actor may see it (`forbidden` otherwise)."""
    async with ctx.uow() as uow:
        deal = await repo.get_deal(uow.conn, q.deal_id)
    if deal is None:
        raise Refused(ErrorCode.not_found, f"deal {q.deal_id!r} not found", reason="deal")
    check_may_see(ctx.config, deal, q.actor_id)
    return ok(deal=deal.to_dto().model_dump(mode="json"))


async def list_deals(q: ListDeals, ctx: Context) -> dict[str, Any]:
    """Deals newest first, filtered by stage, responsible and contact; a manager with
    `access: own` gets only their own."""
    responsible_id = narrowed(ctx.config, q.actor_id, q.responsible_id)
    if q.stage is not None and ctx.config.stage_or_none(q.stage) is None:
        raise Refused(ErrorCode.invalid, f"unknown stage {q.stage!r}", reason="unknown_stage")
    if q.source is not None and q.external_id is not None:
        return await _by_lead_key(q, ctx, responsible_id)
    try:
        async with ctx.uow() as uow:
            deals, cursor = await repo.list_deals(
                uow.conn,
                stage=q.stage,
                responsible_id=responsible_id,
                contact_id=q.contact_id,
                id_prefix=q.id_prefix,
                limit=q.limit,
                cursor=q.cursor,
            )
    except ValueError as exc:
        raise Refused(ErrorCode.invalid, str(exc)) from None
    return ok(items=[d.to_dto().model_dump(mode="json") for d in deals], next_cursor=cursor)


async def _by_lead_key(q: ListDeals, ctx: Context, responsible_id: str | None) -> dict[str, Any]:
    """The deal a lead made, by (source, external_id), if it is in the actor's scope and
    the other filters': a page of one or none (an integrator reading back its lead)."""
    async with ctx.uow() as uow:
        deal = await repo.deal_by_external(uow.conn, q.source or "", q.external_id or "")
    wanted = deal is not None and all(
        given is None or given == have
        for given, have in (
            (q.stage, deal.stage),
            (responsible_id, deal.responsible_id),
            (q.contact_id, deal.contact.id if deal.contact else None),
        )
    )
    items = [deal.to_dto().model_dump(mode="json")] if deal is not None and wanted else []
    return ok(items=items, next_cursor=None)


async def stage_totals(q: StageTotals, ctx: Context) -> dict[str, Any]:
    """Per stage in pipeline order: the count of deals and their sums by currency, of the
    deals the actor may see (a manager with `access: own`: their own)."""
    responsible_id = narrowed(ctx.config, q.actor_id, q.responsible_id)
    async with ctx.uow() as uow:
        rows = await repo.stage_totals(uow.conn, responsible_id)
    items: dict[str, dict[str, Any]] = {
        code: {"stage": code, "count": 0, "sums": {}} for code in ctx.config.stage_codes
    }
    for stage, currency, count, amount in rows:
        item = items.setdefault(stage, {"stage": stage, "count": 0, "sums": {}})
        item["count"] += count
        if amount is not None:
            item["sums"][currency] = str(amount)
    return ok(items=list(items.values()))


async def deal_history(q: DealHistory, ctx: Context) -> dict[str, Any]:
    """The stages a deal went through (who moved it, when), newest first."""
    async with ctx.uow() as uow:
        deal = await repo.get_deal(uow.conn, q.deal_id)
        if deal is None:
            raise Refused(ErrorCode.not_found, f"deal {q.deal_id!r} not found", reason="deal")
        check_may_see(ctx.config, deal, q.actor_id)
        rows = await repo.stage_history(uow.conn, q.deal_id, q.limit)
    items = [{**r, "at": utc_text(r["at"])} for r in rows]
    return ok(deal_id=q.deal_id, items=items)
