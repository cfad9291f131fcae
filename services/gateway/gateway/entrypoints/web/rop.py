"""The РОП's view: lapsed tasks by manager, requests awaiting agreement, both analytics views."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from gateway.domain.people import Principal
from gateway.entrypoints.web.common import ctx_of, pages, person
from gateway.entrypoints.web.work import overdue_first, titles
from gateway.handlers import story
from gateway.handlers.api import ask, move_deal
from gateway.handlers.errors import Refusal

router = APIRouter(include_in_schema=False)
me = Depends(person)


def _period(start: str | None, end: str | None) -> tuple[str, str]:
    today = datetime.now(UTC).date()
    first = date.fromisoformat(start) if start else today - timedelta(days=29)
    last = date.fromisoformat(end) if end else today
    return first.isoformat(), last.isoformat()


async def _period_view(
    ctx: Any, principal: Principal, first: date, until: date, owner: str | None
) -> dict[str, Any] | None:
    """The period view of the analytics (what happened in the period), and the won sums
    week by week for the chart; None while deal-service has no period view."""
    edges = [first + timedelta(days=d) for d in range(0, (until - first).days, 7)] + [until]
    spans = [(edges[0], edges[-1]), *pairwise(edges)]
    try:
        replies = await asyncio.gather(
            *(
                ask(
                    ctx,
                    principal,
                    "crm.query.analytics.period",
                    {"from": a.isoformat(), "to": b.isoformat(), "responsible_id": owner},
                )
                for a, b in spans
            )
        )
    except Refusal as refusal:
        if refusal.status == 503:  # no deal-service with the period view answers
            return None
        raise
    whole, *weeks = [r["report"] for r in replies]
    whole["weeks"] = [
        {"from": a.isoformat(), "won": w["won"]} for (a, _), w in zip(spans[1:], weeks, strict=True)
    ]
    return dict(whole)


LOSSES_SHOWN = 20
"""Loss comments shown per reason (the newest lost deals that have one)."""


async def _losses(ctx: Any, principal: Principal, owner: str | None) -> list[dict[str, Any]]:
    """Per failure stage (the reason a deal was lost), its latest deals' failure comments:
    what clients said («Дорого» is there to analyse price objections)."""
    stages = [s for s in ctx.config.stages if s.kind == "failure"]
    pages_ = await asyncio.gather(
        *(
            ask(
                ctx,
                principal,
                "crm.query.deal.list",
                {"stage": s.code, "responsible_id": owner, "limit": LOSSES_SHOWN},
            )
            for s in stages
        )
    )
    return [
        {
            "code": s.code,
            "name": s.name,
            "deals": [d for d in page["items"] if (d.get("failure_comment") or "").strip()],
        }
        for s, page in zip(stages, pages_, strict=True)
    ]


@router.get("/rop", response_class=HTMLResponse)
async def rop(
    request: Request,
    start: str | None = None,
    end: str | None = None,
    manager: str | None = None,
    principal: Principal = me,
) -> Response:
    """Lapsed tasks by manager, requests awaiting agreement, and the funnel report."""
    ctx = ctx_of(request)
    first, last = _period(start, end)
    until = (date.fromisoformat(last) + timedelta(days=1)).isoformat()
    owner = manager or None
    lapsed, report, period, waiting, losses = await asyncio.gather(
        ask(ctx, principal, "crm.query.task.list", {"overdue": True, "limit": 500}),
        ask(
            ctx,
            principal,
            "crm.query.analytics.funnel",
            {"from": first, "to": until, "responsible_id": owner},
        ),
        _period_view(ctx, principal, date.fromisoformat(first), date.fromisoformat(until), owner),
        # kept by deal-service until the deal moves: not the inbox, which the РОП may clear
        ask(ctx, principal, "crm.query.deal.pending_approvals", {"limit": 100}),
        _losses(ctx, principal, owner),
    )
    by_manager: dict[str, list[dict[str, Any]]] = {}
    for task in overdue_first(lapsed["items"]):
        if owner is None or task.get("responsible_id") == owner:
            by_manager.setdefault(task.get("responsible_id") or "—", []).append(task)
    deals = await titles(ctx, principal, {t["deal_id"] for t in lapsed["items"]})
    return pages(request).render(
        request,
        "rop.html",
        principal,
        by_manager=by_manager,
        deals=deals,
        approvals=waiting["items"],
        losses=losses,
        stage_names={st.code: st.name for st in ctx.config.stages},
        report=report["report"],
        period=period,
        start=first,
        end=last,
        manager=manager or "",
        managers=[u for u in ctx.config.users if u.role == "manager"],
    )


@router.post("/rop/approvals/{deal_id}", response_class=HTMLResponse)
async def agree(request: Request, deal_id: str, principal: Principal = me) -> Response:
    """The РОП agrees: the deal moves to the failure stage the manager asked for."""
    form = await request.form()
    ctx = ctx_of(request)
    stage = ctx.config.pipeline.rules.contact_attempts
    to_stage = str(form.get("to_stage") or (stage.stage if stage else "LOST_NO_CONTACT"))
    moved = await move_deal(
        ctx,
        principal,
        deal_id,
        to_stage,
        expected_version=None,
        failure_comment=None,
        fields=None,
    )
    view = pages(request)
    return view.render(request, "partials/approval_done.html", principal, deal=moved["deal"])


@router.post("/rop/approvals/{deal_id}/decline", response_class=HTMLResponse)
async def decline(request: Request, deal_id: str, principal: Principal = me) -> Response:
    """The РОП declines the request with a reason: the manager is told why."""
    reason = str((await request.form()).get("reason", "")).strip()
    if not reason:
        raise Refusal(400, "invalid", "укажите причину отказа")
    await story.decline(ctx_of(request), principal, deal_id, reason)
    view = pages(request)
    return view.render(request, "partials/approval_declined.html", principal, reason=reason)


@router.post("/rop/tasks/{task_id}/comments", response_class=HTMLResponse)
async def ask_why(request: Request, task_id: str, principal: Principal = me) -> Response:
    """The РОП comments on a lapsed task right in the list («по какой причине?»); the
    manager is told (the notifier's task_commented)."""
    text = str((await request.form()).get("text", "")).strip()
    if not text:
        raise Refusal(400, "invalid", "пустой комментарий")
    body = {"task_id": task_id, "text": text}
    done = await ask(ctx_of(request), principal, "crm.cmd.task.comment", body)
    return pages(request).render(
        request, "partials/lapsed_comment.html", principal, task=done["task"]
    )
