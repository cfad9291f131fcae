"""Signing in and out from a browser, and the way in (/ → the board)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from crm_shared.locale import say
from gateway.domain.people import Principal
from gateway.entrypoints.http.deps import (
    COOKIE,
    check_origin,
    client_address,
    end_session_cookie,
    set_session_cookie,
)
from gateway.entrypoints.web.common import ctx_of, local_path, pages, person
from gateway.handlers import auth
from gateway.handlers.errors import Refusal

router = APIRouter(include_in_schema=False)


@router.get("/")
async def home() -> Response:
    """The board is the home page."""
    return RedirectResponse("/board", 303)


@router.get("/signin", response_class=HTMLResponse)
async def signin_page(request: Request, next: str | None = None) -> Response:
    """The sign-in form; `next` is the page to return to (a local path, else the board)."""
    users = ctx_of(request).config.users
    return pages(request).render(
        request, "signin.html", users=users, error=None, chosen="", next=local_path(next)
    )


@router.post("/signin", response_class=HTMLResponse)
async def signin(request: Request) -> Response:
    """Check the password (the same use case as POST /api/session) and go to the board."""
    ctx = ctx_of(request)
    form = await request.form()
    user_id, password = str(form.get("user_id", "")), str(form.get("password", ""))
    back = local_path(str(form.get("next") or "")) or "/board"
    try:
        check_origin(request, required=True)  # a form posted from another site: login CSRF
        opened = await auth.sign_in(ctx, user_id, password, client_address(request))
    except Refusal as refusal:
        message = say(refusal.body()["error"])  # the catalogue's, by code and reason
        return pages(request).render(
            request,
            "signin.html",
            status=refusal.status,
            headers=refusal.headers,
            users=ctx.config.users,
            error=message,
            chosen=user_id,
            next=None if back == "/board" else back,
        )
    out = RedirectResponse(back, 303)
    set_session_cookie(out, request, opened.cookie)
    return out


@router.post("/signout")
async def signout(request: Request, principal: Principal = Depends(person)) -> Response:
    """End the session and show the sign-in page."""
    cookie = request.cookies.get(COOKIE)
    if cookie:
        await auth.sign_out(ctx_of(request), cookie)
    out = Response(status_code=204, headers={"HX-Redirect": "/signin"})
    end_session_cookie(out)
    return out
