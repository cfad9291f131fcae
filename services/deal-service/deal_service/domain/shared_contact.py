"""A contact shared by several deals (leads on one phone or e-mail; issue 23): a change of it
made through one deal reaches each of its other deals as a change of their own — the contact
as it is now, a new version, a DealUpdated naming the fields and the deal it came through —
so no deal's contact changes without an event on it. The rules were checked on the deal
changed (`rules.check_kept` with the stages of the contact's other deals); the story of each
deal tells it (`adapters.story.record_shared`)."""

from __future__ import annotations

from dataclasses import replace

from crm_shared.contracts.deal import DealUpdated
from deal_service.domain.model import Deal

__all__ = ["changed_through", "contact_fields"]


def contact_fields(changed: list[str]) -> list[str]:
    """The contact's fields among a change's names (`contact.name`, `contact.phone`, ...)."""
    return [name for name in changed if name.startswith("contact.")]


def changed_through(
    deal: Deal, through: Deal, changed: list[str], actor_id: str | None = None
) -> None:
    """`deal` takes the contact of `through` as it is after `changed` (its contact fields),
    changed by `actor_id` (None: an import)."""
    assert through.contact is not None
    deal.contact = replace(through.contact)
    deal.version += 1
    deal.updated_at = through.updated_at
    event = DealUpdated(
        deal=deal.to_dto(), changed=changed, through_deal_id=through.id, actor_id=actor_id
    )
    deal.events.append(event)
