"""Deal queries: get one, list with filters and paging; both in the actor's scope."""

from __future__ import annotations

from typing import Any

from crm_shared.contracts.commands import ErrorCode, GetDeal, ListDeals, Refused, ok
from deal_service.adapters import repository as repo
from deal_service.domain.access import check_may_see, narrowed
from deal_service.handlers.context import Context


async def get_deal(q: GetDeal, ctx: Context) -> dict[str, Any]:
    """One deal by id, if the actor may see it (`forbidden` otherwise)."""
    async with ctx.uow() as uow:
        deal = await repo.get_deal(uow.conn, q.deal_id)
    if deal is None:
        raise Refused(ErrorCode.not_found, f"deal {q.deal_id!r} not found")
    check_may_see(ctx.config, deal, q.actor_id)
    return ok(deal=deal.to_dto().model_dump(mode="json"))


async def list_deals(q: ListDeals, ctx: Context) -> dict[str, Any]:
    """Deals newest first, filtered by stage, responsible and contact; a manager with
    `access: own` gets only their own."""
    responsible_id = narrowed(ctx.config, q.actor_id, q.responsible_id)
    if q.stage is not None and ctx.config.stage_or_none(q.stage) is None:
        raise Refused(ErrorCode.invalid, f"unknown stage {q.stage!r}")
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
