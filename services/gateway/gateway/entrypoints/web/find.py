"""The search box's results and a contact's page."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from gateway.domain.people import Principal
from gateway.entrypoints.web.common import ctx_of, pages, person
from gateway.handlers import find

router = APIRouter(include_in_schema=False)
me = Depends(person)


def _stage_names(request: Request) -> dict[str, str]:
    return {s.code: s.name for s in ctx_of(request).config.stages}


@router.get("/search", response_class=HTMLResponse)
async def search_page(request: Request, q: str = "", principal: Principal = me) -> Response:
    """What the search box found: deals with their stage, and contacts."""
    q = q.strip()[:200]
    found = await find.search(ctx_of(request), principal, q) if q else None
    return pages(request).render(
        request, "search.html", principal, q=q, found=found, stage_name=_stage_names(request)
    )


@router.get("/contacts/{contact_id}", response_class=HTMLResponse)
async def contact_page(request: Request, contact_id: str, principal: Principal = me) -> Response:
    """A contact's fields and all their deals the person may see."""
    view = await find.contact(ctx_of(request), principal, contact_id)
    return pages(request).render(
        request, "contact.html", principal, **view, stage_name=_stage_names(request)
    )
