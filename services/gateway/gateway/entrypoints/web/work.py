"""My tasks, the inbox, and the РОП's view (lapsed tasks, approvals, the funnel report)."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from gateway.domain.people import Principal
from gateway.entrypoints.web.common import ctx_of, pages, person
from gateway.handlers import board as boards
from gateway.handlers.api import ask, move_deal
from gateway.handlers.errors import Refusal

router = APIRouter(include_in_schema=False)
me = Depends(person)
FAR = "9999"


def _overdue_first(tasks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(tasks, key=lambda t: t.get("deadline") or FAR)


async def _titles(ctx: Any, principal: Principal, deal_ids: set[str]) -> dict[str, Any]:
    replies = await asyncio.gather(
        *(ask(ctx, principal, "crm.query.deal.get", {"deal_id": d}) for d in deal_ids),
        return_exceptions=True,
    )
    return {d: r["deal"] for d, r in zip(deal_ids, replies, strict=True) if isinstance(r, dict)}


@router.get("/tasks", response_class=HTMLResponse)
async def my_tasks(request: Request, principal: Principal = me) -> Response:
    """My open tasks, the most overdue first."""
    ctx = ctx_of(request)
    body = {"responsible_id": principal.id, "status": "open", "limit": 500}
    tasks = _overdue_first((await ask(ctx, principal, "crm.query.task.list", body))["items"])
    deals = await _titles(ctx, principal, {t["deal_id"] for t in tasks})
    return pages(request).render(request, "tasks.html", principal, tasks=tasks, deals=deals)


@router.post("/tasks/{task_id}/complete", response_class=HTMLResponse)
async def complete(request: Request, task_id: str, principal: Principal = me) -> Response:
    """Mark a task done; the row shows it closed."""
    done = await ask(ctx_of(request), principal, "crm.cmd.task.complete", {"task_id": task_id})
    return pages(request).render(request, "partials/task.html", principal, task=done["task"])


@router.post("/tasks/{task_id}/comments", response_class=HTMLResponse)
async def comment(request: Request, task_id: str, principal: Principal = me) -> Response:
    """Comment on a task; the row shows the comments."""
    text = str((await request.form()).get("text", "")).strip()
    if not text:
        raise Refusal(400, "invalid", "пустой комментарий")
    body = {"task_id": task_id, "text": text}
    done = await ask(ctx_of(request), principal, "crm.cmd.task.comment", body)
    return pages(request).render(request, "partials/task.html", principal, task=done["task"])


async def _inbox(request: Request, principal: Principal) -> dict[str, Any]:
    try:
        body = {"limit": 100}
        return await ask(ctx_of(request), principal, "crm.query.notify.list", body)
    except Refusal as refusal:
        if refusal.status != 503:
            raise
        return {"items": [], "unread": None, "unavailable": True}


@router.get("/inbox", response_class=HTMLResponse)
async def inbox(request: Request, principal: Principal = me) -> Response:
    """My notifications, newest first."""
    box = await _inbox(request, principal)
    return pages(request).render(request, "inbox.html", principal, box=box)


@router.get("/inbox/badge", response_class=HTMLResponse)
async def badge(request: Request, principal: Principal = me) -> Response:
    """The count of unread notifications (the live badge)."""
    box = await _inbox(request, principal)
    return pages(request).render(request, "partials/inbox_badge.html", principal, box=box)


@router.post("/inbox/read", response_class=HTMLResponse)
async def read(request: Request, principal: Principal = me) -> Response:
    """Mark one (`id`) or every notification read; the list and badge show it."""
    form = await request.form()
    body: dict[str, Any] = {"ids": [str(form["id"])]} if form.get("id") else {"all": True}
    await ask(ctx_of(request), principal, "crm.cmd.notify.read", body)
    box = await _inbox(request, principal)
    return pages(request).render(request, "partials/inbox_list.html", principal, box=box)


def _period(start: str | None, end: str | None) -> tuple[str, str]:
    today = datetime.now(UTC).date()
    first = date.fromisoformat(start) if start else today - timedelta(days=29)
    last = date.fromisoformat(end) if end else today
    return first.isoformat(), last.isoformat()


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
    owner = boards.scope_of(principal, manager)
    lapsed, report, box = await asyncio.gather(
        ask(ctx, principal, "crm.query.task.list", {"overdue": True, "limit": 500}),
        ask(
            ctx,
            principal,
            "crm.query.analytics.funnel",
            {"from": first, "to": until, "responsible_id": owner},
        ),
        _inbox(request, principal),
    )
    by_manager: dict[str, list[dict[str, Any]]] = {}
    for task in _overdue_first(lapsed["items"]):
        if owner is None or task.get("responsible_id") == owner:
            by_manager.setdefault(task.get("responsible_id") or "—", []).append(task)
    asks = [n for n in box["items"] if n.get("kind") == "approval_requested" and not n.get("read")]
    deals = await _titles(ctx, principal, {t["deal_id"] for t in lapsed["items"]})
    return pages(request).render(
        request,
        "rop.html",
        principal,
        by_manager=by_manager,
        deals=deals,
        approvals=asks,
        box=box,
        report=report["report"],
        period=None,
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
    if form.get("notification_id"):
        body = {"ids": [str(form["notification_id"])]}
        await ask(ctx, principal, "crm.cmd.notify.read", body)
    view = pages(request)
    return view.render(request, "partials/approval_done.html", principal, deal=moved["deal"])
