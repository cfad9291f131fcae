"""«Проверить правила» on the РОП's page (issue 24 §2): a proposed configuration, uploaded or
pasted, replayed against the period's history by deal-service (`TryRules`); the report is
shown as tables. Nothing changes."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from crm_shared import locale
from crm_shared.contracts.deal import MAX_CONFIG_BYTES, MAX_SINCE_DAYS, TryRules
from crm_shared.contracts.refusals import Refused
from gateway.domain.people import Principal
from gateway.entrypoints.web.common import ctx_of, pages, person
from gateway.handlers.api import acting, refusal_of
from gateway.handlers.errors import told
from gateway.handlers.reports import check_rop

router = APIRouter(include_in_schema=False)
me = Depends(person)
TIMEOUT = 120.0
"""A year of history takes seconds to replay, not the bus's usual ten."""


async def _proposal(form: Any) -> str:
    """The uploaded file's text, else the pasted one; a clear refusal when neither fits."""
    upload = form.get("file")
    text = ""
    if isinstance(upload, UploadFile) and upload.filename:
        raw = await upload.read(MAX_CONFIG_BYTES + 1)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise told("файл не в кодировке UTF-8") from None
    text = text or str(form.get("config") or "")
    if not text.strip():
        raise told("загрузите файл конфигурации или вставьте его текст")
    if len(text.encode()) > MAX_CONFIG_BYTES:
        raise told(f"конфигурация больше {MAX_CONFIG_BYTES // 1024} КБ")
    return text


def _days(value: object) -> int:
    try:
        days = int(str(value or "90"))
    except ValueError:
        days = 0
    if not 1 <= days <= MAX_SINCE_DAYS:
        raise told(f"период — от 1 до {MAX_SINCE_DAYS} дней")
    return days


@router.post("/rop/rules", response_class=HTMLResponse)
async def try_rules(request: Request, principal: Principal = me) -> Response:
    """Replay the last `days` days against the proposal; the report as a fragment."""
    check_rop(principal)
    form = await request.form()
    query = TryRules(
        actor_id=acting(principal), config=await _proposal(form), since_days=_days(form.get("days"))
    )
    try:
        reply = await ctx_of(request).bus.ask(query, timeout=TIMEOUT)
    except Refused as refused:
        raise refusal_of(refused) from None
    report = reply.report.model_dump(mode="json", by_alias=True)
    for row in report["by_rule"]:
        row["name"] = locale.rule_name(row["key"])
    return pages(request).render(
        request, "partials/rules_try_report.html", principal, report=report
    )
