"""The РОП's view: lapsed tasks by manager, requests awaiting agreement, both analytics views."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from crm_shared import locale
from crm_shared.contracts.analytics import FunnelQuery, PeriodQuery
from crm_shared.contracts.deal import PendingApprovals
from crm_shared.contracts.notify import IdleThresholds
from crm_shared.contracts.task import CommentTask, ListTasks
from crm_shared.locale import money
from crm_shared.locale.formats import NBSP
from gateway.domain.people import Principal
from gateway.entrypoints.http.deps import retry_key
from gateway.entrypoints.web.common import ctx_of, pages, person
from gateway.entrypoints.web.work import overdue_first, titles
from gateway.handlers import story
from gateway.handlers.api import acting, ask, move_deal
from gateway.handlers.errors import Refusal, told
from gateway.handlers.reports import check_rop, checked_span

router = APIRouter(include_in_schema=False)
me = Depends(person)
once = Depends(retry_key)  # the change's Idempotency-Key: its commands' request_id


def _period(start: str | None, end: str | None, zone: ZoneInfo) -> tuple[date, date]:
    """The days the РОП asked for («дд.мм.гггг»), by default the last 30 on their calendar
    from the Monday they fall in, so that the chart's first week is a whole one."""
    today = locale.today(zone)
    month_ago = today - timedelta(days=29)
    try:
        first = locale.parse_day(start) if start else month_ago - timedelta(month_ago.weekday())
        last = locale.parse_day(end) if end else today
    except ValueError as exc:
        why = {"reason": "period", "problems": str(exc)}
        raise Refusal(400, "invalid", "start, end: dd.mm.yyyy", params=why) from None
    if last < first:  # both days are in the period: 07.12–07.12 is one day, not «по» before «с»
        why = {"reason": "period", "problems": "«по» должно быть не раньше «с»"}
        raise Refusal(400, "invalid", "end before start", params=why)
    checked_span(first.isoformat(), (last + timedelta(days=1)).isoformat())
    return first, last


async def _period_view(
    ctx: Any, principal: Principal, first: date, until: date, owner: str | None, zone: ZoneInfo
) -> dict[str, Any] | None:
    """The period view of the analytics (what happened in the period) with the won sums
    week by week for the chart, in one query; None while deal-service has no period view.
    Days begin at midnight and weeks on Monday at midnight on the РОП's clock (the first
    week from the period's first day): the services get those moments in UTC, and each week
    is shown by its first local day."""
    try:
        reply = await ask(
            ctx,
            PeriodQuery(
                actor_id=acting(principal),
                from_=locale.day_start(first, zone).isoformat(),
                to=locale.day_start(until, zone).isoformat(),
                responsible_id=owner,
                weeks=True,
                week_zone=zone.key,
            ),
        )
    except Refusal as refusal:
        if refusal.status == 503:  # no deal-service with the period view answers
            return None
        raise
    report = dict(reply.report)
    for week in report.get("weeks") or []:
        week["from"] = datetime.fromisoformat(week["from"]).astimezone(zone).date().isoformat()
    report["won_charts"] = _won_charts(report.get("weeks") or [], ctx.config.currencies)
    return report


def _won_charts(weeks: list[dict[str, Any]], currencies: tuple[str, ...]) -> list[dict[str, Any]]:
    """The weekly won sums as charts, one a currency, for each currency something was won in
    (the configured ones first, in their order): a chart never adds roubles to dollars (the
    one chart drew 2 500,25 ₽ + 5 000,50 $ as a bar of 7 500). Each week's sum comes as a
    number for the bar and as Babel's text for the tooltip; with nothing won there is no
    chart, and the page says «Нет данных» (Chart.js drew an empty axis from 0 to 1 ₽)."""
    won = {c for w in weeks for c, v in w["won"]["sum"].items() if Decimal(str(v))}
    order = [c for c in currencies if c in won] + sorted(won - set(currencies))
    charts = []
    for code in order:
        sums = [Decimal(str(w["won"]["sum"].get(code, 0))) for w in weeks]
        charts.append(
            {
                "currency": code,
                "sign": money(0, code).split(NBSP)[-1],  # «₽», «$», else the code
                "values": [float(v) for v in sums],
                "shown": [money(v, code) for v in sums],
            }
        )
    return charts


async def _thresholds(ctx: Any, principal: Principal) -> dict[str, Any] | None:
    """The idle thresholds the notifier watches with (None while it does not answer)."""
    try:
        reply = await ask(ctx, IdleThresholds(actor_id=acting(principal)))
    except Refusal as refusal:
        if refusal.status == 503:
            return None
        raise
    return reply.model_dump(mode="json")


LOSSES_SHOWN = 20
"""Loss comments shown per reason (the latest losses of the period that have one)."""


def _losses(period: dict[str, Any] | None) -> list[dict[str, Any]] | None:
    """Per failure stage (the reason a deal was lost), the comments of the deals lost in the
    period, latest first, from the period view: what clients said («Дорого» is there to
    analyse price objections). It listed the newest lost deals of all time, whatever the
    period. None while the period view does not answer."""
    if period is None:
        return None
    return [
        {"code": x["stage"], "name": x["name"], "deals": x["comments"][:LOSSES_SHOWN]}
        for x in period.get("losses") or []
    ]


async def _standing(ctx: Any, principal: Principal, owner: str | None) -> dict[str, Any]:
    """What the page shows whatever the period: the tasks open past their deadline by
    manager, the requests awaiting agreement and the idle thresholds."""
    actor = acting(principal)
    lapsed, waiting, thresholds = await asyncio.gather(
        ask(ctx, ListTasks(actor_id=actor, overdue=True, limit=500)),
        # kept by deal-service until the deal moves: not the inbox, which the РОП may clear
        ask(ctx, PendingApprovals(actor_id=actor, limit=100)),
        _thresholds(ctx, principal),
    )
    lapsed_tasks = [t.model_dump(mode="json") for t in lapsed.items]
    by_manager: dict[str, list[dict[str, Any]]] = {}
    for task in overdue_first(lapsed_tasks):
        if owner is None or task.get("responsible_id") == owner:
            by_manager.setdefault(task.get("responsible_id") or "—", []).append(task)
    return {
        "by_manager": by_manager,
        "deals": await titles(ctx, principal, {t["deal_id"] for t in lapsed_tasks}),
        "approvals": [a.model_dump(mode="json") for a in waiting.items],
        "thresholds": thresholds,
        "managers": [u for u in ctx.config.users if u.role == "manager"],
        "stage_names": {st.code: st.name for st in ctx.config.stages},
    }


@router.get("/rop", response_class=HTMLResponse)
async def rop(
    request: Request,
    start: str | None = None,
    end: str | None = None,
    manager: str | None = None,
    principal: Principal = me,
) -> Response:
    """Lapsed tasks by manager, requests awaiting agreement, and the funnel report: the
    РОП's (403 to a manager). A period it cannot take keeps the page: the refusal is said
    beside the period's form, what was typed stays in it, and the period's reports wait."""
    check_rop(principal)
    ctx = ctx_of(request)
    zone = pages(request).zone(principal)
    owner = manager or None
    try:
        first, last = _period(start, end, zone)
    except Refusal as refusal:
        standing = await _standing(ctx, principal, owner)
        return pages(request).render(
            request,
            "rop.html",
            principal,
            status=refusal.status,
            period_error=refusal.body()["error"],
            start=start or "",
            end=end or "",
            manager=manager or "",
            **standing,
        )
    until = last + timedelta(days=1)
    report, period, standing = await asyncio.gather(
        ask(
            ctx,
            FunnelQuery(
                actor_id=acting(principal),
                from_=locale.day_start(first, zone).isoformat(),
                to=locale.day_start(until, zone).isoformat(),
                responsible_id=owner,
            ),
        ),
        _period_view(ctx, principal, first, until, owner, zone),
        _standing(ctx, principal, owner),
    )
    return pages(request).render(
        request,
        "rop.html",
        principal,
        losses=_losses(period),
        report=report.report,
        period=period,
        start=locale.day(first, zone),
        end=locale.day(last, zone),
        manager=manager or "",
        **standing,
    )


@router.post("/rop/approvals/{deal_id}", response_class=HTMLResponse)
async def agree(
    request: Request, deal_id: str, principal: Principal = me, key: str | None = once
) -> Response:
    """The РОП agrees: the deal moves to the failure stage the manager asked for."""
    check_rop(principal)
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
        retry_key=key,
    )
    deal = moved.deal.model_dump(mode="json")
    reached = ctx.config.stage_or_none(deal["stage"])
    return pages(request).render(
        request,
        "partials/approval_done.html",
        principal,
        deal=deal,
        stage=reached.name if reached else deal["stage"],
    )


@router.post("/rop/approvals/{deal_id}/decline", response_class=HTMLResponse)
async def decline(
    request: Request, deal_id: str, principal: Principal = me, key: str | None = once
) -> Response:
    """The РОП declines the request with a reason: the manager is told why. The answer names
    the deal and the stage asked for, as «Согласовано» does, with a link to the deal."""
    reason = str((await request.form()).get("reason", "")).strip()
    if not reason:
        raise told("укажите причину отказа")
    ctx = ctx_of(request)
    declined = await story.decline(ctx, principal, deal_id, reason, retry_key=key)
    deal = (await titles(ctx, principal, {deal_id})).get(deal_id) or {"id": deal_id}
    asked = ctx.config.stage_or_none(declined["to_stage"])
    return pages(request).render(
        request,
        "partials/approval_declined.html",
        principal,
        deal=deal,
        stage=asked.name if asked else declined["to_stage"],
        reason=reason,
    )


@router.post("/rop/tasks/{task_id}/comments", response_class=HTMLResponse)
async def ask_why(
    request: Request, task_id: str, principal: Principal = me, key: str | None = once
) -> Response:
    """The РОП comments on a lapsed task right in the list («по какой причине?»); the
    manager is told (the notifier's task_commented)."""
    text = str((await request.form()).get("text", "")).strip()
    if not text:
        raise told("пустой комментарий")
    note = CommentTask(actor_id=acting(principal), task_id=task_id, text=text)
    done = await ask(ctx_of(request), note, retry_key=key)
    return pages(request).render(
        request, "partials/lapsed_comment.html", principal, task=done.task.model_dump(mode="json")
    )
