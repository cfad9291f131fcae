"""Deals: the list (with filters and per-stage pages), one deal, create, update, move."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request

from crm_shared.contracts.deal import CreateDeal, GetDeal, ListDeals, LogContactAttempt, UpdateDeal
from crm_shared.contracts.deal import DealFields as DealFieldsContract
from gateway.domain.people import Principal, Scope
from gateway.entrypoints.http.deps import context, require, retry_key
from gateway.entrypoints.http.schemas import (
    ERRORS,
    BoardOut,
    ContactAttemptIn,
    DealCreateIn,
    DealFields,
    DealOut,
    DealPage,
    MoveIn,
)
from gateway.handlers.api import acting, ask, build, move_deal
from gateway.handlers.board import board as board_view
from gateway.handlers.board import idle_marks

router = APIRouter(prefix="/api/deals", tags=["deals"], responses=ERRORS)
read = Depends(require(Scope.deals_read))
write = Depends(require(Scope.deals_write))
once = Depends(retry_key)


@router.get("", response_model=None, responses={200: {"model": DealPage}}, summary="List deals")
async def list_deals(
    request: Request,
    stage: str | None = None,
    responsible_id: str | None = None,
    contact_id: str | None = None,
    id_prefix: str | None = None,
    limit: int = Query(50, ge=1, le=500),
    cursor: str | None = None,
    source: str | None = None,
    external_id: str | None = None,
    principal: Principal = read,
) -> dict[str, Any]:
    """Newest first, in the caller's scope; `cursor` is the previous page's `next_cursor`;
    `idle`: the page's deals idle now («засиделась»), by deal id. `source` and
    `external_id` together: the deal a lead made, as POST /api/leads answered its key (a
    page of one, or none while the lead is still on its way)."""
    given = {"stage": stage, "responsible_id": responsible_id, "contact_id": contact_id,
             "id_prefix": id_prefix, "cursor": cursor, "source": source,
             "external_id": external_id}  # fmt: skip
    query = build(ListDeals, {"actor_id": acting(principal), "limit": limit, **given})
    ctx = context(request)
    page = (await ask(ctx, query)).model_dump(mode="json")
    page["idle"] = await idle_marks(ctx, principal, [d["id"] for d in page["items"]])
    return page


@router.get(
    "/board", response_model=None, responses={200: {"model": BoardOut}}, summary="First pages"
)
async def board(
    request: Request,
    responsible_id: str | None = None,
    limit: int = Query(25, ge=1, le=500),
    principal: Principal = read,
) -> dict[str, Any]:
    """Every stage in pipeline order with its `count` and `sums` (by currency); the active
    stages with their first `limit` deals (a column's next page is
    `GET /api/deals?stage=…&cursor=…`), `tasks`: each shown deal's open task by deal id, and
    `idle`: the shown deals idle now. A manager's board holds their own deals."""
    return await board_view(context(request), principal, responsible_id, limit)


@router.get("/{deal_id}", response_model=None, responses={200: {"model": DealOut}})
async def get_deal(request: Request, deal_id: str, principal: Principal = read) -> dict[str, Any]:
    """One deal."""
    query = GetDeal(actor_id=acting(principal), deal_id=deal_id)
    return (await ask(context(request), query)).model_dump(mode="json")


@router.post(
    "", status_code=201, response_model=None, responses={201: {"model": DealOut}}, summary="Create"
)
async def create_deal(
    request: Request, body: DealCreateIn, principal: Principal = write, key: str | None = once
) -> dict[str, Any]:
    """A deal by hand, in the entry stage, with the caller as its actor."""
    payload = body.model_dump(mode="json", exclude_none=True)
    create = build(CreateDeal, {**payload, "actor_id": acting(principal)})
    return (await ask(context(request), create, retry_key=key)).model_dump(mode="json")


@router.patch("/{deal_id}", response_model=None, responses={200: {"model": DealOut}})
async def update_deal(
    request: Request,
    deal_id: str,
    body: DealFields,
    principal: Principal = write,
    key: str | None = once,
) -> dict[str, Any]:
    """Change fields (not the stage); a field given as null is cleared."""
    fields = body.model_dump(mode="json", exclude_unset=True)
    changes = build(DealFieldsContract, fields)
    update = UpdateDeal(actor_id=acting(principal), deal_id=deal_id, fields=changes)
    return (await ask(context(request), update, retry_key=key)).model_dump(mode="json")


@router.post("/{deal_id}/move", response_model=None, responses={200: {"model": DealOut}})
async def move(
    request: Request,
    deal_id: str,
    body: MoveIn,
    principal: Principal = write,
    key: str | None = once,
) -> dict[str, Any]:
    """Move to `to_stage`. Refused by the rules → 422 with `missing_fields` and their
    Russian names in `fields`; changed since `expected_version` → 409."""
    fields = body.fields.model_dump(mode="json", exclude_unset=True) if body.fields else None
    moved = await move_deal(
        context(request),
        principal,
        deal_id,
        body.to_stage,
        expected_version=body.expected_version,
        failure_comment=body.failure_comment,
        fields=fields,
        retry_key=key,
    )
    return moved.model_dump(mode="json")


@router.post(
    "/{deal_id}/contact-attempts", response_model=None, responses={200: {"model": DealOut}}
)
async def contact_attempt(
    request: Request,
    deal_id: str,
    body: ContactAttemptIn,
    principal: Principal = write,
    key: str | None = once,
) -> dict[str, Any]:
    """Record a failed attempt to reach the client (rule 6 counts them per stage)."""
    attempt = LogContactAttempt(actor_id=acting(principal), deal_id=deal_id, note=body.note)
    return (await ask(context(request), attempt, retry_key=key)).model_dump(mode="json")
