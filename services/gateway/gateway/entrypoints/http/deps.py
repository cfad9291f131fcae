"""Who is calling: a session cookie (with CSRF on changes) or an integration token."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from ipaddress import ip_address
from urllib.parse import urlsplit

from fastapi import Request, Response

from gateway.domain.idempotency import check_key
from gateway.domain.people import Principal, Scope
from gateway.handlers import auth, tokens
from gateway.handlers.context import Context
from gateway.handlers.errors import Refusal

COOKIE = "crm_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE = frozenset({"GET", "HEAD", "OPTIONS"})


def context(request: Request) -> Context:
    """The gateway's context (set on the app in bootstrap)."""
    ctx: Context = request.app.state.ctx
    return ctx


def bearer(request: Request) -> str | None:
    """The token of `Authorization: Bearer …`, if any."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


async def caller(request: Request) -> Principal:
    """The principal of a request: token first, then session; neither → 401."""
    ctx = context(request)
    token = bearer(request)
    if token is not None:
        return tokens.principal_of(ctx, await tokens.authenticate(ctx, token))
    cookie = request.cookies.get(COOKIE)
    if not cookie:
        raise Refusal(401, "unauthenticated", "sign in first (POST /api/session) or send a token")
    principal = await auth.session_principal(ctx, cookie)
    if principal is None:
        raise Refusal(401, "unauthenticated", "the session has ended; sign in again")
    if request.method not in SAFE:
        auth.check_csrf(principal, request.headers.get(CSRF_HEADER))
    return principal


def retry_key(request: Request) -> str | None:
    """A change's `Idempotency-Key`, handed to the use case that sends its commands (each
    one's `request_id`), so that a client retrying after a timeout changes nothing twice;
    None for a read or without the header."""
    key = None if request.method in SAFE else request.headers.get("idempotency-key")
    if key is None:
        return None
    try:
        return check_key(key)
    except ValueError as exc:
        raise Refusal(400, "invalid", str(exc)) from None


def require(scope: Scope) -> Callable[[Request], Awaitable[Principal]]:
    """A dependency: the caller, who must hold `scope`."""

    async def dependency(request: Request) -> Principal:
        principal = await caller(request)
        if not principal.may(scope):
            raise Refusal(403, "forbidden", principal.refusal(scope))
        return principal

    return dependency


def _trusted(request: Request, host: str) -> bool:
    """Whether `host` is one of the configured proxies (CRM_GATEWAY_TRUSTED_PROXIES)."""
    proxies = context(request).settings.trusted_proxies
    if not proxies:
        return False
    try:
        address = ip_address(host)
    except ValueError:
        return False
    return any(address in network for network in proxies)


def client_address(request: Request) -> str:
    """The caller's address. `X-Forwarded-For` is believed only from a configured proxy,
    and only as far as it was written by configured proxies: the nearest hop that is not
    one of them is the caller (a client cannot pose as another address by sending it)."""
    peer = request.client.host if request.client else "unknown"
    if not _trusted(request, peer):
        return peer
    header = request.headers.get("x-forwarded-for", "")
    hops = [hop.strip() for hop in header.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _trusted(request, hop):
            return hop
    return hops[0] if hops else peer


def behind_tls(request: Request) -> bool:
    """Whether cookies must be Secure: by setting, the request came over HTTPS, or a
    configured proxy says it did (`X-Forwarded-Proto`)."""
    settings = context(request).settings
    if settings.secure_cookies or request.url.scheme == "https":
        return True
    proto = request.headers.get("x-forwarded-proto", "")
    peer = request.client.host if request.client else ""
    return proto.lower() == "https" and _trusted(request, peer)


def same_origin(request: Request) -> bool | None:
    """Whether the page that sent the request is this site's (its `Origin`, else its
    `Referer`, names the request's own host); None when the request carries neither (a
    program, not a browser)."""
    sent = request.headers.get("origin") or request.headers.get("referer")
    if not sent:
        return None
    if sent.strip().lower() == "null":
        return False
    return urlsplit(sent.strip()).netloc.lower() == request.headers.get("host", "").lower()


def check_origin(request: Request, *, required: bool) -> None:
    """A sign-in from another site's page is refused (login CSRF): 403 `csrf`."""
    same = same_origin(request)
    if same is False or (required and same is None):
        raise Refusal(
            403, "csrf", "sign-in refused: not sent from this site's page (Origin)", reason="origin"
        )


def set_session_cookie(response: Response, request: Request, cookie: str) -> None:
    """The session cookie a sign-in opens: HttpOnly, SameSite=Lax, Secure behind TLS."""
    response.set_cookie(
        COOKIE,
        cookie,
        max_age=int(context(request).settings.session_seconds),
        httponly=True,
        samesite="lax",
        secure=behind_tls(request),
        path="/",
    )


def end_session_cookie(response: Response) -> None:
    """The session cookie removed (signing out)."""
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax")


_WHOLE = re.compile(r"[0-9]{1,18}")


def whole_number(text: str) -> int | None:
    """`text` as a non-negative whole number, else None: ASCII digits only, at most 18 (a
    header or a form field from anyone: «²» passes str.isdigit() and int() refuses it, and
    a 5,000-digit number is over int()'s limit; both were a 500)."""
    return int(text) if _WHOLE.fullmatch(text) else None
