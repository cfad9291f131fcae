"""The contact's other deals after a change of the contact through one of them (issue 23; the
domain's part: `deal_service.domain.shared_contact`)."""

from __future__ import annotations

from crm_shared.machinery.outbox import UnitOfWork
from deal_service.adapters import repository as repo
from deal_service.domain.model import Deal
from deal_service.domain.shared_contact import changed_through, contact_fields


async def tell_the_contacts_deals(
    uow: UnitOfWork, deal: Deal, changed: list[str], actor_id: str | None = None
) -> None:
    """After `deal` changed its contact's fields among `changed` (by `actor_id`; None: an
    import): each other deal of the contact at a new version with its own DealUpdated, in
    this transaction."""
    fields = contact_fields(changed)
    if not fields or deal.contact is None:
        return
    for other in await repo.contact_deals(uow.conn, deal.contact.id, except_deal=deal.id):
        changed_through(other, deal, fields, actor_id)
        repo.save(uow, other)
