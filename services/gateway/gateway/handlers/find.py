"""Finding a client (issue 22): the search box and the contact's page, for the JSON API and
the board alike. deal-service answers in the caller's scope; the gateway adds nothing."""

from __future__ import annotations

from typing import Any

from crm_shared.contracts.deal import GetContact, SearchDeals
from gateway.domain.people import Principal
from gateway.handlers.api import ask_as
from gateway.handlers.context import Context


async def search(ctx: Context, principal: Principal, q: str, limit: int = 20) -> dict[str, Any]:
    """Deals (with their stage) and contacts matching `q`: a phone in any form, an e-mail,
    a name, a deal's title or company."""
    return await ask_as(ctx, principal, SearchDeals, {"q": q, "limit": limit})


async def contact(ctx: Context, principal: Principal, contact_id: str) -> dict[str, Any]:
    """A contact's fields and their deals the caller may see, newest first."""
    return await ask_as(ctx, principal, GetContact, {"contact_id": contact_id})
