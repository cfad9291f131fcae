"""Finding a client: the search box's query and a contact with their deals."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from crm_shared.contracts.dto import Contact, Deal
from gateway.domain.people import Principal, Scope
from gateway.entrypoints.http.deps import context, require
from gateway.entrypoints.http.schemas import ERRORS
from gateway.handlers import find

router = APIRouter(prefix="/api", tags=["search"], responses=ERRORS)
read = Depends(require(Scope.deals_read))


class FoundContact(Contact):
    """A contact found, with how many of their deals the caller may see."""

    deals_count: int


class SearchOut(BaseModel):
    """What the search found: `read_as` says how `q` was read (phone, email, words)."""

    read_as: str = Field(description="phone | email | words")
    deals: list[Deal]
    contacts: list[FoundContact]


class ContactOut(BaseModel):
    """A contact and their deals the caller may see, newest first."""

    contact: Contact
    deals: list[Deal]


@router.get("/search", response_model=None, responses={200: {"model": SearchOut}})
async def search(
    request: Request,
    q: str = Query(min_length=1, max_length=200),
    limit: int = Query(20, ge=1, le=100),
    principal: Principal = read,
) -> dict[str, Any]:
    """Find deals and contacts by a phone in any form a caller id shows (`8 912 …`,
    `+7 (912) …`, `912…`), an e-mail, a name, a deal's title or company; in the caller's
    scope, each deal with its stage."""
    return await find.search(context(request), principal, q, limit)


@router.get("/contacts/{contact_id}", response_model=None, responses={200: {"model": ContactOut}})
async def get_contact(
    request: Request, contact_id: str, principal: Principal = read
) -> dict[str, Any]:
    """A contact's fields and all their deals the caller may see (403: none of them)."""
    return await find.contact(context(request), principal, contact_id)
