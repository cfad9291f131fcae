"""Signing in and out, who I am, the users and the pipeline (what a board needs to draw)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request, Response

from crm_shared.config import FIELD_DISPLAY_NAMES
from gateway.domain.people import Principal
from gateway.entrypoints.http.deps import (
    COOKIE,
    caller,
    check_origin,
    client_address,
    context,
    end_session_cookie,
    set_session_cookie,
)
from gateway.entrypoints.http.schemas import ERRORS, SessionOut, SignIn, UserOut
from gateway.handlers import auth
from gateway.handlers.errors import Refusal

router = APIRouter(tags=["people"], responses=ERRORS)


def _session_out(principal: Principal) -> dict[str, Any]:
    return {
        "user": {"id": principal.id, "name": principal.name, "role": principal.role},
        "csrf_token": principal.csrf,
    }


def _token_out(request: Request, principal: Principal) -> dict[str, Any]:
    """A token describes the user it acts as; one that acts as no one has no one to show."""
    owner = context(request).config.user_or_none(principal.actor_id or "")
    if owner is None:
        raise Refusal(
            401,
            "unauthenticated",
            "этот токен ни от чьего имени не действует: у него нет владельца-пользователя",
        )
    return {
        "user": {"id": owner.id, "name": owner.name, "role": owner.role},
        "csrf_token": None,
        "token": {
            "id": principal.id,
            "name": principal.name,
            "scopes": sorted(s.value for s in principal.scopes),
        },
    }


@router.post("/api/session", response_model=SessionOut, summary="Sign in")
async def sign_in(body: SignIn, request: Request, response: Response) -> dict[str, Any]:
    """Check the password and open a session: an HttpOnly cookie, and a CSRF token to send
    as `X-CSRF-Token` on every request that changes something. Too many failures for the
    account from this address, or from this address → 429 with Retry-After; many failures
    for the account from anywhere slow each attempt down (never refuse it). A browser's
    sign-in from another site's page (its `Origin`) → 403 `csrf`."""
    check_origin(request, required=False)
    ctx = context(request)
    opened = await auth.sign_in(ctx, body.user_id, body.password, client_address(request))
    set_session_cookie(response, request, opened.cookie)
    return _session_out(opened.principal)


@router.get("/api/session", response_model=SessionOut, summary="Who is signed in")
async def who(request: Request, principal: Principal = Depends(caller)) -> dict[str, Any]:
    """The signed-in person and their session's CSRF token (401 when not signed in); with a
    token, the user it acts as and the token's id, name and scopes (401 for a token that
    acts as no one)."""
    if principal.kind == "token":
        return _token_out(request, principal)
    return _session_out(principal)


@router.delete("/api/session", status_code=204, summary="Sign out")
async def sign_out(
    request: Request, response: Response, principal: Principal = Depends(caller)
) -> Response:
    """End the session (needs the CSRF token, as every change does)."""
    cookie = request.cookies.get(COOKIE)
    if cookie:
        await auth.sign_out(context(request), cookie)
    out = Response(status_code=204)
    end_session_cookie(out)
    return out


@router.get("/api/users", response_model=list[UserOut], summary="The configured users")
async def users(request: Request, principal: Principal = Depends(caller)) -> list[dict[str, str]]:
    """Every user of the configuration (for a filter by manager)."""
    return [{"id": u.id, "name": u.name, "role": u.role} for u in context(request).config.users]


@router.get("/api/pipeline", summary="Stages and field names")
async def pipeline(request: Request, principal: Principal = Depends(caller)) -> dict[str, Any]:
    """The stages in funnel order (code, Russian name, kind) and the Russian names of the
    fields a refusal may list as missing."""
    config = context(request).config
    return {
        "plan": config.plan,
        "stages": [{"code": s.code, "name": s.name, "kind": s.kind} for s in config.stages],
        "field_names": dict(FIELD_DISPLAY_NAMES),
    }
