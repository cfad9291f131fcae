"""The board's routes, templates and static files, mounted on the gateway's application."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from crm_shared.config import CrmConfig
from gateway.entrypoints.web import board, deal, find, live, people, rop, rules_try, work
from gateway.entrypoints.web.common import SignInFirst, local_path, pages, signin_url
from gateway.entrypoints.web.render import Pages
from gateway.handlers.errors import Refusal

STATIC = Path(__file__).resolve().parents[2] / "static"
API_PREFIXES = ("/api", "/intake", "/static")


def mount(app: FastAPI, config: CrmConfig) -> None:
    """Add the board's pages and /static to `app`."""
    app.state.pages = Pages(config)
    for module in (people, board, deal, work, rop, rules_try, live, find):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")


def wants_page(request: Request) -> bool:
    """A refusal of a board route answers in HTML (the JSON API always answers JSON)."""
    return hasattr(request.app.state, "pages") and not request.url.path.startswith(API_PREFIXES)


def refusal_page(request: Request, refusal: Refusal) -> Response:
    """A refusal as a small page, or a fragment for htmx to show in the dialog slot."""
    error = refusal.body()["error"]
    headers = dict(refusal.headers)
    if request.headers.get("hx-request"):
        headers.update({"HX-Retarget": "#dialog-slot", "HX-Reswap": "innerHTML"})
        template = "partials/error_dialog.html"
    else:
        template = "error.html"
    # a signed-in person's page of a refusal (not their deal, no such deal) keeps the menu
    who = getattr(request.state, "person", None)
    return pages(request).render(
        request, template, who, status=refusal.status, headers=headers, error=error
    )


__all__ = ["SignInFirst", "local_path", "mount", "refusal_page", "signin_url", "wants_page"]
