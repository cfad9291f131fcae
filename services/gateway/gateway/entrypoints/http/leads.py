"""Leads over HTTP: `POST /api/leads` (JSON) and `POST /intake/<source>` (a source's format)."""

from __future__ import annotations

import hashlib
import json
from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request, Response
from pydantic import ValidationError
from standardwebhooks.webhooks import Webhook

from crm_shared.config import CrmConfig
from crm_shared.locale import form_problems
from gateway.domain import intake, tokens
from gateway.domain.idempotency import fingerprint
from gateway.domain.people import Scope
from gateway.domain.tokens import Integration
from gateway.entrypoints.http.deps import bearer, context, require
from gateway.entrypoints.http.schemas import ERRORS, LeadAccepted, LeadIn
from gateway.handlers.errors import Refusal, bad_token, for_programs
from gateway.handlers.leads import (
    Answer,
    idempotent,
    json_answer,
    publish_lead,
    within_permissions,
)
from gateway.handlers.tokens import spend

router = APIRouter(tags=["leads"], responses={**ERRORS, 413: ERRORS[400]})
IDEMPOTENCY_KEY = "idempotency-key"


def _answer(a: Answer) -> Response:
    return Response(a.body, a.status, a.headers, media_type=a.content_type)


def _lead(config: CrmConfig, data: dict[str, Any], source: str, fallback: str) -> Any:
    """The lead to publish, or 400 for what deal-service would refuse (and dead-letter)."""
    try:
        lead = intake.to_lead(data, source=source, fallback_id=fallback)
    except intake.IntakeError as exc:
        why = {"reason": "form", "problems": exc.said}
        raise Refusal(400, "invalid", str(exc), params=why) from None
    given = lead.responsible_id
    if given is not None and config.user_or_none(given) is None:
        why = {"reason": "form", "problems": f"Ответственный: нет такого пользователя «{given}»"}
        raise Refusal(400, "invalid", f"responsible_id: unknown user {given!r}", params=why)
    return lead


# The body is read by hand (one validation, no dependency machinery on the hottest route);
# its schema is LeadIn, put into the document's components by app.build_app.
LEAD_BODY = {
    "required": True,
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/LeadIn"}}},
}


@router.post(
    "/api/leads",
    status_code=202,
    response_model=None,
    responses={202: {"model": LeadAccepted}},
    openapi_extra={"requestBody": LEAD_BODY},
    summary="Send a lead",
)
async def post_lead(request: Request) -> Response:
    """The lead event's data as JSON (LeadIn). Answered 202 once the lead is stored in
    JetStream; the same `external_id` (or Idempotency-Key) again makes no second deal, and
    within the stream's duplicate window (2 minutes) the answer says `duplicate: true`.
    A signed-in person's lead has `source` = `manual` whatever the body says, an
    `external_id` of their own (`<user id>/<the given id>`, so another person's lead with
    the same id is a lead of its own), and a responsible within their permissions, as on
    POST /api/deals: a manager's is their own (naming another is 403); a РОП names anyone or
    no one (the lead is distributed)."""
    ctx = context(request)
    request.state.intake_source = "api"  # counted by the app (crm_intake_total)
    principal = await require(Scope.leads_write)(request)
    raw = await request.body()
    try:
        body = LeadIn.model_validate_json(raw)
    except ValidationError as exc:
        # in Russian, by the fields' names, as the gateway's other refusals of a body
        problems = form_problems(exc.errors())
        why = {"reason": "form", "problems": problems}
        said = f"invalid lead: {for_programs(exc.errors())}"
        raise Refusal(400, "invalid", said, params=why) from None
    key = request.headers.get(IDEMPOTENCY_KEY)
    data = body.model_dump(exclude_none=True)
    source = data.pop("source", None) or principal.name
    fallback = key or hashlib.sha256(raw).hexdigest()[:32]
    if principal.kind == "user":
        source = "manual"  # a person's lead is made by hand, never another source's
        # ... and keyed by its person: leads are keyed on (source, external_id), so another
        # person's lead with the same id (or the same body) is not taken for this one.
        data["external_id"] = f"{principal.id}/{data.get('external_id') or fallback}"
    data = within_permissions(ctx.config, principal, data)
    lead = _lead(ctx.config, data, source, fallback)

    async def work() -> Answer:
        stored = await publish_lead(ctx, lead, "json")
        out = {"accepted": True, "source": lead.source, "external_id": lead.external_id}
        return json_answer(202, {**out, "sequence": stored.sequence, "duplicate": stored.duplicate})

    fp = fingerprint("POST", "/api/leads", raw)
    return _answer(await idempotent(ctx, f"{principal.kind}:{principal.id}", key, fp, work))


@router.post(
    "/intake/{source}",
    response_model=None,
    responses={200: {"content": {"text/plain": {}, "application/json": {}}}},
    summary="A lead in a source's own format",
)
async def post_intake(request: Request, source: str) -> Response:
    """A lead as a web form or a connector sends it: the source's token decides the format
    (`tilda`: url-encoded, answers `ok`; `bitrix24`: a crm.lead.add body; `standard_webhooks`:
    signed JSON; `json`: the lead's data). The token comes as `Authorization: Bearer …` or
    `?token=…` (form connectors only take a URL); a signed source needs only its signature,
    and its `webhook-id` is the lead's external id (the body's and an Idempotency-Key are
    not used): the same webhook-id again gets the first answer and makes no second deal."""
    ctx = context(request)
    integration = await ctx.tokens.by_name(source)
    if integration is None:
        raise Refusal(403, "forbidden", f"no source {source!r}")
    request.state.intake_source = integration.name  # counted by the app (crm_intake_total)
    raw = await request.body()
    _authorise(request, integration, raw)
    if Scope.leads_write not in integration.scopes:
        raise Refusal(403, "forbidden", "this token lacks the scope leads:write")
    spend(ctx, integration)
    data, fallback, answer = _parse(request, integration, raw)
    key = request.headers.get(IDEMPOTENCY_KEY)
    if data is None:  # Tilda's "test=test" when a webhook is connected
        return _answer(answer(""))
    if _signed(integration):
        # The signed webhook-id alone names the lead: neither the body's external_id nor an
        # (unsigned) Idempotency-Key, and a replay within the window gets the first answer.
        webhook_id = request.headers.get("webhook-id", "")
        data = {**data, "external_id": webhook_id}
        key = f"webhook-id:{webhook_id}"
    lead = _lead(ctx.config, data, integration.name, key or fallback)

    async def work() -> Answer:
        await publish_lead(ctx, lead, integration.format)
        return answer(lead.external_id)

    fp = fingerprint("POST", f"/intake/{source}", raw)
    return _answer(await idempotent(ctx, f"token:{integration.id}", key, fp, work))


def _signed(integration: Integration) -> bool:
    return integration.webhook_secret is not None and integration.format == "standard_webhooks"


def _authorise(request: Request, integration: Integration, raw: bytes) -> None:
    """A valid signature (signed sources) or this source's own token: else 401, or 403 for
    another source's token."""
    if _signed(integration) and integration.webhook_secret is not None:
        try:
            Webhook(integration.webhook_secret).verify(raw, dict(request.headers), json_parse=False)
        except Exception as exc:  # any malformed or wrong signature header
            raise Refusal(401, "bad_signature", f"signature not valid: {exc}") from None
        return
    text = bearer(request) or request.query_params.get("token")
    if not text:
        raise Refusal(401, "unauthenticated", "send the source's token")
    parsed = tokens.parse(text)
    if parsed is not None and parsed[0] != integration.id:
        said = f"this token is not the token of source {integration.name!r}"
        raise Refusal(403, "forbidden", said)
    if parsed is None or not tokens.matches(parsed[1], integration.secret_hash):
        raise bad_token()


def _parse(request: Request, integration: Integration, raw: bytes) -> tuple[Any, str, Any]:
    """(lead data or None, fallback external id, how to answer) for the source's format."""
    fallback = hashlib.sha256(raw).hexdigest()[:32]
    fmt = integration.format
    try:
        if fmt == "tilda":
            pairs = parse_qsl(raw.decode(), keep_blank_values=True)
            data = None if intake.is_tilda_test(pairs) else intake.from_tilda(pairs)
            return data, fallback, lambda _id: Answer(200, b"ok", "text/plain")
        if fmt == "bitrix24":
            if request.headers.get("content-type", "").startswith("application/json"):
                pairs = intake.bitrix24_pairs_from_json(json.loads(raw))
            else:
                pairs = parse_qsl(raw.decode(), keep_blank_values=True)
            return intake.from_bitrix24(pairs), fallback, _bitrix_answer
        body = intake.from_json(json.loads(raw))
        if fmt == "standard_webhooks":
            fallback = request.headers.get("webhook-id") or fallback
        return body, fallback, lambda ext: json_answer(202, {"accepted": True, "external_id": ext})
    except (ValueError, UnicodeDecodeError) as exc:
        raise Refusal(400, "invalid", f"cannot read the body as {fmt}: {exc}") from None


def _bitrix_answer(external_id: str) -> Answer:
    # crm.lead.add answers {"result": <the lead's id>}
    return json_answer(200, {"result": external_id})
