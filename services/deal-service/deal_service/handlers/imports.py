"""ImportDeal: a deal from another CRM stored as it stands there, once per (source, id);
imported again after it changed there (a newer `modified_at`), updated to how it stands.
ImportedDeals: the deals imported from a source (what the importer compares with what the
source still has)."""

from __future__ import annotations

from typing import Any

import asyncpg

from crm_shared.contracts.deal import ImportDeal, ImportedDeals
from crm_shared.contracts.envelope import utcnow
from crm_shared.contracts.refusals import ok
from crm_shared.machinery.outbox import UnitOfWork
from deal_service.adapters import contacts as people
from deal_service.adapters import erasure, story
from deal_service.adapters import repository as repo
from deal_service.domain.imports import check_import, imported_deal, missing_on_stage
from deal_service.domain.leads import needs_turn, responsible_for
from deal_service.domain.model import Deal
from deal_service.domain.reimports import given_values, move_since, newer
from deal_service.domain.rules import check_user
from deal_service.handlers.context import Context
from deal_service.handlers.deals import resolve_contact
from deal_service.handlers.shared_contact import tell_the_contacts_deals


async def import_deal(cmd: ImportDeal, ctx: Context) -> dict[str, Any]:
    """Store the deal, its history and its events; the same (source, external_id) again
    answers the deal as it is here, `imported` false, and changes nothing (also when another
    import of it committed first) unless it changed in the source since (`refresh`)."""
    check_import(ctx.config, cmd)
    try:
        async with ctx.uow() as uow:
            known = await repo.deal_by_external(uow.conn, cmd.source, cmd.external_id)
            if known is not None:
                return await refresh(uow, ctx, cmd, known)
            contact, new_person = await resolve_contact(uow, cmd.contact)
            turn = None
            if needs_turn(ctx.config, cmd.responsible_id):  # no one named: as a lead's
                turn = await repo.next_assignment_number(uow.conn)
            responsible = responsible_for(ctx.config, cmd.responsible_id, turn)
            deal, rows = imported_deal(ctx.config, cmd, contact, responsible)
            reply = _reply(ctx, deal, imported=True)
            deal.contact_changed = new_person
            repo.save(uow, deal, new=True)
            await uow.flush()  # the contact and the deal, before the history that refers to it
            await repo.add_history(uow.conn, deal, rows, None)  # the source's, not the РОП's
            await repo.mark_imported(uow.conn, deal.id, cmd.modified_at)
            await uow.commit()
    except asyncpg.UniqueViolationError:
        async with ctx.uow() as uow:
            known = await repo.deal_by_external(uow.conn, cmd.source, cmd.external_id)
        if known is None:
            raise
        return _reply(ctx, known, imported=False)
    ctx.metrics.deals_created.labels("import").inc()
    return reply


async def refresh(uow: UnitOfWork, ctx: Context, cmd: ImportDeal, known: Deal) -> dict[str, Any]:
    """The deal imported before: unchanged unless the source changed it since the import
    kept; then its differing fields set and its `cleared` ones emptied as an update sets
    them, but unchecked (DealUpdated, the deal's story), and a stage it left there moved to
    here, unchecked, with its history rows. A deal whose contact was erased takes none of the
    person's texts again (`without_person`): the source still has them, the erasure stands."""
    seen, last_entry = await repo.import_marks(uow.conn, known.id)
    if not newer(cmd, seen):
        return _reply(ctx, known, imported=False)
    deal = await repo.get_deal(uow.conn, known.id, lock=True)
    if deal is None:  # erased meanwhile
        return _reply(ctx, known, imported=False)
    values, contact_values = given_values(cmd)
    if await erasure.was_erased(uow.conn, deal.id):
        values, contact_values = without_person(values, contact_values)
    if contact_values and deal.contact is not None:
        deal.contact = await people.lock_contact(uow.conn, deal.contact.id)
    before = deal.copy()
    changed = deal.update(values, contact_values, config=ctx.config, now=utcnow(), kept=False)
    rows = move_since(deal, cmd, last_entry or deal.created_at)
    if changed:
        # the source's change, not the РОП's who ran the import (as its history rows)
        story.record_changes(uow, before, deal, None, changed, imported_from=cmd.source)
    if changed or rows:
        repo.save(uow, deal)
        await tell_the_contacts_deals(uow, deal, changed)
        await uow.flush()  # the deal at its stage, before the history rows' triggers read it
        await repo.add_history(uow.conn, deal, rows, None)  # the source's, not the РОП's
    await repo.mark_imported(uow.conn, deal.id, cmd.modified_at)
    await uow.commit()
    moved = ["stage"] if rows else []
    return _reply(ctx, deal, imported=False, changed=[*moved, *changed])


# What an erasure took from a deal and its contact (adapters.erasure), by the names
# `given_values` uses: the source still holds it, and a re-import must not bring it back.
_PERSON_DEAL = frozenset((*erasure.DEAL_TEXTS, "comment"))
_PERSON_CONTACT = frozenset(("name", "phone", "email"))


def without_person(
    values: dict[str, Any], contact: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A re-import's values for a deal whose contact was erased: the person's texts left out
    (set or cleared), the rest (amount, stage, company, what was ordered, …) as given."""
    return (
        {k: v for k, v in values.items() if k not in _PERSON_DEAL},
        {k: v for k, v in contact.items() if k not in _PERSON_CONTACT},
    )


async def imported_deals(q: ImportedDeals, ctx: Context) -> dict[str, Any]:
    """A page of the deals imported from `q.source`, by external id (a РОП's)."""
    check_user(ctx.config, q.actor_id, "actor_id", role="rop")
    async with ctx.uow() as uow:
        items = await repo.imported(uow.conn, q.source, q.after, q.limit)
    after = items[-1]["external_id"] if len(items) == q.limit else None
    return ok(items=items, next_after=after)


def _reply(
    ctx: Context, deal: Deal, *, imported: bool, changed: list[str] | None = None
) -> dict[str, Any]:
    return ok(
        deal=deal.to_dto().model_dump(mode="json"),
        imported=imported,
        updated=bool(changed),
        changed=changed or [],
        missing=missing_on_stage(ctx.config, deal),
    )
