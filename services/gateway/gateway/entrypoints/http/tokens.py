"""Integration tokens over HTTP, for a РОП (the command line does the same for operators)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request, Response

from gateway.domain.people import Principal
from gateway.entrypoints.http.deps import caller, context
from gateway.entrypoints.http.schemas import ERRORS, NewTokenOut, TokenIn, TokenOut
from gateway.handlers.errors import Refusal
from gateway.handlers.tokens import create_token

router = APIRouter(prefix="/api/tokens", tags=["tokens"], responses=ERRORS)


async def rop(principal: Principal = Depends(caller)) -> Principal:
    """Only a signed-in person with role rop manages tokens."""
    if principal.kind != "user" or principal.role != "rop":
        raise Refusal(403, "forbidden", "only a user with role rop manages tokens")
    return principal


@router.get("", response_model=list[TokenOut], summary="Every token, without secrets")
async def list_tokens(request: Request, who: Principal = Depends(rop)) -> list[dict[str, Any]]:
    """Live and revoked tokens, newest first."""
    return await context(request).tokens.all()


@router.post("", status_code=201, response_model=NewTokenOut, summary="Make a token")
async def make_token(
    request: Request, body: TokenIn, who: Principal = Depends(rop)
) -> dict[str, Any]:
    """The token (and, for a signed source, its webhook secret) is in this answer only. It
    acts as the signed-in user who makes it, with their permissions, its scopes narrowing
    them: it can never do more than its maker."""
    ctx = context(request)
    made = await create_token(
        ctx.tokens,
        body.name,
        body.scopes,
        format=body.format,
        rate_per_second=body.rate_per_second,
        burst=body.burst,
        owner=(ctx.config, who.id),
    )
    return {
        "id": made.integration.id,
        "name": made.integration.name,
        "owner_id": made.integration.owner_id,
        "token": made.token,
        "webhook_secret": made.webhook_secret,
    }


@router.delete("/{token}", status_code=204, summary="Revoke a token")
async def revoke(request: Request, token: str, who: Principal = Depends(rop)) -> Response:
    """Revoke by id or name (every gateway stops taking it within the token cache time)."""
    if not await context(request).tokens.revoke(token):
        raise Refusal(404, "not_found", f"no live token {token!r}")
    return Response(status_code=204)
