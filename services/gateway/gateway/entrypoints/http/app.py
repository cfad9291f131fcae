"""The gateway's ASGI application: routes and refusals as JSON (the body limit and the
request metrics: `limits.Limits`)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from crm_shared.locale import form_problems
from crm_shared.machinery.parsing import describe_validation_error
from gateway.entrypoints.http import (
    bitrix24,
    deals,
    door,
    events,
    find,
    leads,
    lean,
    people,
    plans,
    story,
    tokens,
    work,
)
from gateway.entrypoints.http.deps import context
from gateway.entrypoints.http.limits import Limits, intake_source
from gateway.entrypoints.http.schemas import LeadIn
from gateway.entrypoints.web import routers as web
from gateway.handlers.context import Context
from gateway.handlers.errors import Refusal, for_programs

TITLE = "CRM gateway"
DESCRIPTION = (
    "People sign in, integrations send leads and read the funnel; every command is sent to "
    "the services on the bus as the signed-in user. A change (POST, PATCH) may carry an "
    "Idempotency-Key header (at most 64 characters): the same key again within 24 hours gets "
    "the first answer and changes nothing. See docs/gateway.md."
)


def build_app(ctx: Context | None = None, hubs: dict[str, Any] | None = None) -> FastAPI:
    """The application; `ctx` and `hubs` (the live feeds by name) are None only to render
    the OpenAPI document."""
    # FastAPI's OpenTelemetry layer is off: `Limits` counts requests (it cost a fifth of one).
    app = FastAPI(
        telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False},
        title=TITLE,
        version="1",
        description=DESCRIPTION,
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.ctx = ctx
    app.state.hubs = hubs or {}
    # Routes match in order: the lead intake, the hottest, first, and lean (`lean.py`).
    for module in (leads, bitrix24, people, deals, work, events, tokens, find, plans, story):
        app.include_router(module.router)
    lean.lean(app, leads.router, frozenset({"/api/leads"}))
    if ctx is not None:
        app.include_router(door.docs)
        web.mount(app, ctx.config)
    app.add_exception_handler(web.SignInFirst, _sign_in_first)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    app.add_exception_handler(Refusal, _refused)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _invalid)  # type: ignore[arg-type]
    app.add_exception_handler(ValidationError, _malformed)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _broken)
    if ctx is not None:
        app.add_middleware(Limits, ctx=ctx)
        app.add_middleware(door.Door, allowed_hosts=ctx.settings.allowed_hosts)
    return app


SECURITY = {
    "session": {
        "type": "apiKey",
        "in": "cookie",
        "name": "crm_session",
        "description": "set by POST /api/session (sign in)",
    },
    "csrf": {
        "type": "apiKey",
        "in": "header",
        "name": "X-CSRF-Token",
        "description": "the session's csrf_token, on every request that changes something",
    },
    "token": {
        "type": "http",
        "scheme": "bearer",
        "description": "an integration token, crm_<id>_<secret> (python -m gateway tokens create)",
    },
}


TOO_LARGE = {
    "description": "the body is over the gateway's limit (CRM_GATEWAY_MAX_BODY_BYTES)",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}},
}


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document, plus the schemas of bodies that routes read by hand."""
    if app.openapi_schema is None:
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        lead = LeadIn.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(lead.pop("$defs", {}))
        components["LeadIn"] = lead
        schema["components"]["schemas"] = dict(sorted(components.items()))
        schema["components"]["securitySchemes"] = SECURITY
        schema["security"] = [{"session": [], "csrf": []}, {"token": []}]
        for operations in schema["paths"].values():
            for operation in operations.values():
                if "requestBody" in operation:  # `Limits` answers any body over the limit
                    operation["responses"].setdefault("413", TOO_LARGE)
        app.openapi_schema = schema
    return app.openapi_schema


async def _refused(request: Request, exc: Refusal) -> Response:
    source = intake_source(request.scope)
    if source is not None:
        context(request).metrics.intake.labels(source, exc.code).inc()
    if web.wants_page(request):
        return web.refusal_page(request, exc)
    return JSONResponse(exc.body(), exc.status, headers=exc.headers)


async def _malformed(request: Request, exc: ValidationError) -> Response:
    """A request model the gateway could not build from what it was given (an id over the
    contracts' limit, say): 400 naming the field, as the service would have answered."""
    return await _refused(request, Refusal(400, "invalid", describe_validation_error(exc)))


# What a page asks for by itself (the inbox badge, on load and at a live notice) says so
# with this header (`hx-headers` in the template; board.js reads it too): with the session
# ended it stays as it was, and the person, perhaps typing, is sent to sign in at their own
# next step, not by it.
BACKGROUND_HEADER = "x-background"


async def _sign_in_first(request: Request, exc: Exception) -> Response:
    # Back to the page the person was on once they have signed in again: for htmx, the page
    # the browser shows (HX-Current-URL), not the fragment it asked for.
    if "text/event-stream" in request.headers.get("accept", ""):
        return Response(status_code=401)  # the live connection: no page to return to
    if request.headers.get("hx-request"):
        if request.headers.get(BACKGROUND_HEADER):  # not the person's doing: the page stays
            return Response(status_code=401)
        shown = urlsplit(request.headers.get("hx-current-url", ""))
        page = shown.path + (f"?{shown.query}" if shown.query else "")
        return Response(status_code=401, headers={"HX-Redirect": web.signin_url(page)})
    asked = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(web.signin_url(asked if request.method == "GET" else None), 303)


async def _invalid(request: Request, exc: RequestValidationError) -> Response:
    """What a route's model refused (the body, the query, the path): 400 naming each field
    in Russian, as the lead routes say theirs (`locale.form_problems`), in `params` too."""
    errors = [_within(e) for e in exc.errors()]
    why = {"reason": "form", "problems": form_problems(errors)}
    refusal = Refusal(400, "invalid", f"invalid request: {for_programs(errors)}", params=why)
    if web.wants_page(request):
        return web.refusal_page(request, refusal)
    return JSONResponse(refusal.body(), 400)


def _within(e: Any) -> Any:
    """The error located inside the body, query or path; JSON that does not parse has no
    field (pydantic's location is the offset where reading stopped)."""
    return {**e, "loc": () if e.get("type") == "json_invalid" else tuple(e["loc"])[1:]}


# `message` is for programs, in English (people read the catalogue's sentence for the code).
_HTTP_CODES = {
    400: ("invalid", "the body could not be read: JSON in UTF-8 expected"),
    404: ("not_found", "no such path"),
    405: ("method_not_allowed", "this method is not allowed here"),
}


async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
    """Starlette's and FastAPI's own refusals (a body that cannot be parsed, an unknown
    path, a wrong method) in the documented shape `{"error": {"code", "message"}}`, never
    `{"detail": …}`."""
    code, message = _HTTP_CODES.get(exc.status_code, ("error", str(exc.detail)))
    refusal = Refusal(exc.status_code, code, message, headers=dict(exc.headers or {}))
    return await _refused(request, refusal)


async def _broken(request: Request, exc: Exception) -> Response:
    """A bug or a lost dependency: a page says so in words, the API in its JSON shape, never
    the server's bare "Internal Server Error" (the exception is still logged)."""
    refusal = Refusal(500, "internal", "internal error")
    if web.wants_page(request):
        return web.refusal_page(request, refusal)
    return JSONResponse(refusal.body(), 500)
