"""Finding a client (issue 22): the search box's query and the contact's page."""

from __future__ import annotations

from typing import Any

from crm_shared.config.access import scope
from crm_shared.contracts.deal import GetContact, SearchDeals
from crm_shared.contracts.refusals import ErrorCode, Refused, ok
from deal_service.adapters import contacts as people
from deal_service.adapters import search
from deal_service.domain.search import read_query
from deal_service.handlers.context import Context


async def search_deals(q: SearchDeals, ctx: Context) -> dict[str, Any]:
    """Deals (with their stage) and contacts matching `q` that the actor may see."""
    own = scope(ctx.config, q.actor_id)
    needle = read_query(q.q)
    if not needle.value:
        raise Refused(ErrorCode.invalid, "q: nothing to look for (only spaces)")
    async with ctx.uow() as uow:
        deals = await search.find_deals(uow.conn, needle, own, q.limit)
        contacts = await search.find_contacts(uow.conn, needle, own, q.limit)
    return ok(
        read_as=needle.read_as,
        deals=[d.to_dto().model_dump(mode="json") for d in deals],
        contacts=contacts,
    )


async def get_contact(q: GetContact, ctx: Context) -> dict[str, Any]:
    """A contact and their deals the actor may see; `forbidden` when they may see none."""
    own = scope(ctx.config, q.actor_id)
    async with ctx.uow() as uow:
        contact = await people.get_contact(uow.conn, q.contact_id)
        if contact is None:
            raise Refused(
                ErrorCode.not_found, f"contact {q.contact_id!r} not found", reason="contact"
            )
        deals = await search.contact_deals(uow.conn, q.contact_id, own, q.limit)
    if own is not None and not deals:
        raise Refused(
            ErrorCode.forbidden,
            f"{q.actor_id!r} may not see contact {q.contact_id}: none of their deals is "
            "the actor's (access: own)",
        )
    return ok(
        contact=contact.to_dto().model_dump(mode="json"),
        deals=[d.to_dto().model_dump(mode="json") for d in deals],
    )
