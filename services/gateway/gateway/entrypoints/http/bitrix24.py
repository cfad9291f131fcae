"""Bitrix24's incoming-webhook address: `/rest/<user>/<code>/<method>[.json]`.

An integration written for a Bitrix24 portal (a site widget, a telephony connector, a 1C
exchange) is repointed by changing its portal address: `crm.lead.add`, `crm.deal.add` and
`crm.contact.add` (GET query, POST form or JSON, as Bitrix24 takes them) and `batch` of
them become leads through the same intake as `/intake/<name>`, answered in Bitrix24's shape.
The code is a token of format `bitrix24` (it decides the source); `<user>` is taken as
Bitrix24 writes it and not checked. In the OpenAPI document with Bitrix24's answer shapes
(bitrix24_shapes) and no security scheme (the code in the path authorises), and in
docs/gateway.md.
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import JSONResponse

from gateway.domain import bitrix24, intake, tokens
from gateway.domain.bitrix24 import ADD_METHODS, B24Error, Command, Pairs
from gateway.domain.people import Scope
from gateway.domain.tokens import Integration
from gateway.entrypoints.http import bitrix24_shapes as shapes
from gateway.entrypoints.http.deps import context
from gateway.handlers.context import Context
from gateway.handlers.errors import Refusal
from gateway.handlers.leads import publish_lead
from gateway.handlers.tokens import spend

router = APIRouter(tags=["bitrix24"], responses=shapes.RESPONSES)
FORMAT = "bitrix24"
ROUTE = "/rest/{user}/{code}/{method}"
NO_SECURITY: dict[str, Any] = {"security": []}


@router.get(ROUTE, response_model=None, openapi_extra=NO_SECURITY, summary="Bitrix24 REST call")
@router.post(
    ROUTE,
    response_model=None,
    openapi_extra={**NO_SECURITY, "requestBody": shapes.BODY},
    summary="Bitrix24 REST call",
)
async def rest(
    request: Request,
    user: str = Path(description=shapes.USER),
    code: str = Path(description=shapes.CODE),
    method: str = Path(description=shapes.METHOD),
) -> Response:
    """One call of a Bitrix24 incoming webhook (crm.lead.add, crm.deal.add, crm.contact.add,
    batch): each makes a lead through the same intake as /intake/{source}. Answered as
    Bitrix24 answers: `{"result", "time"}`, or `{"error", "error_description"}` with its
    status (see docs/gateway.md)."""
    started = time.time()
    ctx = context(request)
    try:
        integration = await _authorise(ctx, code)
        name = bitrix24.method_name(method)
        if name != bitrix24.BATCH and name not in ADD_METHODS:
            raise bitrix24.method_not_found(name)
        _spend(ctx, integration)
        pairs = await _parameters(request)
        if name == bitrix24.BATCH:
            result: Any = await _batch(ctx, integration, pairs)
        else:
            result = await _add(ctx, integration, name, pairs)
    except B24Error as error:
        return JSONResponse(error.body(), error.status)
    return JSONResponse({"result": result, "time": bitrix24.timing(started, time.time())})


async def _authorise(ctx: Context, code: str) -> Integration:
    """The live `bitrix24` token of the path's code, allowed to send leads."""
    parsed = tokens.parse(code)
    found = await ctx.tokens.by_id(parsed[0]) if parsed else None
    if parsed is None or found is None or not tokens.matches(parsed[1], found.secret_hash):
        raise bitrix24.invalid_credentials()
    if found.format != FORMAT:
        raise bitrix24.wrong_auth_type(found.format)
    if Scope.leads_write not in found.scopes:
        raise bitrix24.insufficient_scope()
    return found


def _spend(ctx: Context, integration: Integration) -> None:
    """One request against the token's rate; over it, QUERY_LIMIT_EXCEEDED (not a 429)."""
    try:
        spend(ctx, integration)
    except Refusal as refused:
        raise bitrix24.query_limit(float(refused.extra.get("retry_after", 1))) from None


async def _parameters(request: Request) -> Pairs:
    """The call's parameters as PHP's $_REQUEST holds them: the query string, then a POST
    body (url-encoded, multipart or JSON) as bracketed pairs."""
    pairs: Pairs = list(request.query_params.multi_items())
    if request.method != "POST":
        return pairs
    raw = await request.body()
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        if kind == "application/json":
            return pairs + bitrix24.flatten(json.loads(raw) if raw.strip() else {})
        if kind == "multipart/form-data":
            form = await request.form()
            return pairs + [(k, v) for k, v in form.multi_items() if isinstance(v, str)]
        return pairs + parse_qsl(raw.decode(), keep_blank_values=True)
    except (ValueError, UnicodeDecodeError) as exc:
        why = f"параметры не прочитаны ({kind or 'без Content-Type'}): {exc}"
        raise bitrix24.invalid(why) from None


async def _add(ctx: Context, integration: Integration, method: str, pairs: Pairs) -> int:
    """A crm.*.add call made a lead: its number in the lead stream (an integer, as Bitrix24's
    ids are; the same lead again within the stream's window gets the same number)."""
    data = intake.from_bitrix24(pairs, ADD_METHODS[method])
    if not any(data["contact"].values()):
        # deal-service would refuse it (rule 8: a lead has a contact) after a 200 here
        raise bitrix24.invalid(
            "лид не принят: нужен контакт: fields[NAME], fields[PHONE][0][VALUE] или "
            "fields[EMAIL][0][VALUE] (CONTACT_ID портала здесь не известен)"
        )
    try:
        lead = intake.to_lead(
            data, source=integration.name, fallback_id=bitrix24.lead_digest(method, pairs)
        )
    except intake.IntakeError as exc:
        raise bitrix24.invalid(f"лид не принят: {exc.said}") from None
    try:
        return (await publish_lead(ctx, lead, FORMAT)).sequence
    except Refusal:
        raise bitrix24.unavailable() from None


async def _batch(ctx: Context, integration: Integration, pairs: Pairs) -> dict[str, Any]:
    """Up to 50 commands, one after another (`halt=1`: none after the first refused), in
    Bitrix24's batch answer. One request against the rate, as Bitrix24 counts a batch."""
    halt, commands = bitrix24.batch_commands(pairs)
    results: dict[str, Any] = {}
    errors: dict[str, Any] = {}
    times: dict[str, Any] = {}
    for command in commands:
        started = time.time()
        try:
            results[command.key] = await _command(ctx, integration, command)
        except B24Error as error:
            errors[command.key] = error.body()
        times[command.key] = bitrix24.timing(started, time.time())
        if halt and errors:
            break
    return {
        "result": bitrix24.keyed(results),
        "result_error": bitrix24.keyed(errors),
        "result_total": [],
        "result_next": [],
        "result_time": bitrix24.keyed(times),
    }


async def _command(ctx: Context, integration: Integration, command: Command) -> int:
    if command.method == bitrix24.BATCH:
        raise B24Error(400, "ERROR_BATCH_METHOD_NOT_ALLOWED", "batch внутри batch не выполняется")
    if command.method not in ADD_METHODS:
        raise bitrix24.method_not_found(command.method)
    return await _add(ctx, integration, command.method, command.pairs)
