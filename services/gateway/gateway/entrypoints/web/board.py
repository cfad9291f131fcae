"""The board: columns, more cards on demand, one card, the headers, and moving a card."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from crm_shared.contracts.deal import GetDeal, StageTotals
from gateway.domain.people import Principal
from gateway.entrypoints.http.deps import retry_key, whole_number
from gateway.entrypoints.web.common import ctx_of, deal_fields, draft, pages, person
from gateway.entrypoints.web.live import drawn_from
from gateway.handlers import board as boards
from gateway.handlers.api import acting, ask, move_deal
from gateway.handlers.errors import Refusal

router = APIRouter(include_in_schema=False)
PAGE = 25
me = Depends(person)
once = Depends(retry_key)  # the change's Idempotency-Key: its commands' request_id


def _columns(ctx: Any, data: dict[str, Any]) -> dict[str, Any]:
    stages = data["stages"]
    return {
        "columns": [s for s in stages if not ctx.config.is_final(s["code"])],
        "drops": [
            {**s, "comment_required": ctx.config.stage(s["code"]).comment_required}
            for s in stages
            if ctx.config.is_final(s["code"])
        ],
        "tasks": data["tasks"],
        "idle": data["idle"],
    }


@router.get("/board", response_class=HTMLResponse)
async def board_page(
    request: Request, manager: str | None = None, principal: Principal = me
) -> Response:
    """The whole board."""
    ctx = ctx_of(request)
    since = await drawn_from(request)  # before the queries: the feed replays from here
    data = await boards.board(ctx, principal, manager, PAGE)
    # Everyone who may hold a deal, managers first (as the deal card's «Ответственный»): a
    # РОП who took a deal finds it on the board by their own name too.
    managers = sorted(ctx.config.users, key=lambda u: u.role != "manager")
    return pages(request).render(
        request,
        "board.html",
        principal,
        manager=manager or "",
        managers=managers,
        live_from=since,
        **_columns(ctx, data),
    )


@router.get("/board/columns", response_class=HTMLResponse)
async def columns(
    request: Request, manager: str | None = None, principal: Principal = me
) -> Response:
    """Every column anew (after a stale move, or when the live feed was lost)."""
    ctx = ctx_of(request)
    data = await boards.board(ctx, principal, manager, PAGE)
    return pages(request).render(
        request, "partials/columns.html", principal, manager=manager or "", **_columns(ctx, data)
    )


@router.get("/board/heads", response_class=HTMLResponse)
async def heads(
    request: Request, manager: str | None = None, principal: Principal = me
) -> Response:
    """The counts and sums of every column and drop zone, as out-of-band swaps."""
    ctx = ctx_of(request)
    query = StageTotals(actor_id=acting(principal), responsible_id=manager or None)
    totals = await ask(ctx, query)
    names = {s.code: s.name for s in ctx.config.stages}
    items = [
        {**t.model_dump(mode="json"), "name": names.get(t.stage, t.stage)}
        | {"final": ctx.config.is_final(t.stage)}
        for t in totals.items
    ]
    return pages(request).render(request, "partials/heads.html", principal, totals=items)


@router.get("/board/columns/{stage}/more", response_class=HTMLResponse)
async def more(
    request: Request,
    stage: str,
    cursor: str,
    manager: str | None = None,
    principal: Principal = me,
) -> Response:
    """A column's next page of cards, and the button for the one after."""
    page = await boards.column_page(ctx_of(request), principal, stage, manager, cursor, PAGE)
    return pages(request).render(
        request,
        "partials/cards_page.html",
        principal,
        stage={"code": stage, **page},
        tasks=page["tasks"],
        idle=page["idle"],
        manager=manager or "",
    )


@router.get("/board/cards/{deal_id}", response_class=HTMLResponse)
async def card(request: Request, deal_id: str, principal: Principal = me) -> Response:
    """One card as it is now (live updates fetch it)."""
    view = await boards.card_view(ctx_of(request), principal, deal_id)
    return pages(request).render(request, "partials/card.html", principal, **view)


@router.get("/board/deals/{deal_id}/move", response_class=HTMLResponse)
async def ask_comment(
    request: Request, deal_id: str, to_stage: str, principal: Principal = me
) -> Response:
    """The dialog of a move to a stage that needs the failure comment, asked before the
    move is tried (a drop on «Дорого (с комментарием)» asks for it, refuses nothing)."""
    ctx = ctx_of(request)
    stage = ctx.config.stage_or_none(to_stage)
    if stage is None or not stage.comment_required:
        raise Refusal(400, "invalid", f"stage {to_stage!r} takes no failure comment")
    current = await ask(ctx, GetDeal(actor_id=acting(principal), deal_id=deal_id))
    return pages(request).render(
        request,
        "partials/move_dialog.html",
        principal,
        deal=current.deal.model_dump(mode="json"),
        to_stage=to_stage,
        to_name=stage.name,
        error={"code": "missing_fields", "missing_fields": ["failure_comment"]},
        form={},
    )


@router.post("/board/deals/{deal_id}/move", response_class=HTMLResponse)
async def move(
    request: Request, deal_id: str, principal: Principal = me, key: str | None = once
) -> Response:
    """Move a card (from a drag, the card's own menu, or the dialog of missing fields).

    200: the card in its new place. 422: the dialog that asks for exactly what is missing,
    prefilled. 409: the deal changed since the board showed it; the board reloads.
    """
    ctx = ctx_of(request)
    form = await request.form()
    to_stage = str(form.get("to_stage", ""))
    version = str(form.get("expected_version", ""))
    expected = whole_number(version)
    view = pages(request)
    try:
        fields = deal_fields(form, only_filled=True)
        moved = await move_deal(
            ctx,
            principal,
            deal_id,
            to_stage,
            expected_version=expected,
            failure_comment=fields.pop("failure_comment", None),
            fields=fields or None,
            retry_key=key,
        )
    except Refusal as refusal:
        if refusal.status == 409:
            return view.render(
                request,
                "partials/stale_notice.html",
                principal,
                status=409,
                headers={"HX-Retarget": "#dialog-slot", "HX-Reswap": "innerHTML"},
            )
        if refusal.status not in (400, 422):  # 403: not the caller's deal (deal-service)
            raise
        current = await ask(ctx, GetDeal(actor_id=acting(principal), deal_id=deal_id))
        stage = ctx.config.stage_or_none(to_stage)
        return view.render(
            request,
            "partials/move_dialog.html",
            principal,
            status=422,
            headers={"HX-Retarget": "#dialog-slot", "HX-Reswap": "innerHTML"},
            deal=draft(current.deal.model_dump(mode="json"), form),
            to_stage=to_stage,
            to_name=stage.name if stage else to_stage,
            error=refusal.body()["error"],
            form=form,
        )
    # Drawn from the move's reply alone: the new stage's task is task-service's to open on
    # StageChanged, and the live feed draws the card again when it is there (asking now
    # would show the task of the stage the deal just left).
    deal = moved.deal.model_dump(mode="json")
    return view.render(request, "partials/card.html", principal, deal=deal, task=None)
