"""ImportDeal: a deal from another CRM stored as it stands there, once per (source, id)."""

from __future__ import annotations

from typing import Any

import asyncpg

from crm_shared.contracts.deal import ImportDeal
from crm_shared.contracts.refusals import ok
from deal_service.adapters import repository as repo
from deal_service.domain.imports import check_import, imported_deal, missing_on_stage
from deal_service.domain.leads import needs_turn, responsible_for
from deal_service.domain.model import Deal
from deal_service.handlers.context import Context
from deal_service.handlers.deals import resolve_contact


async def import_deal(cmd: ImportDeal, ctx: Context) -> dict[str, Any]:
    """Store the deal, its history and its events; the same (source, external_id) again
    answers the deal as it is here, `imported` false, and changes nothing (also when another
    import of it committed first)."""
    check_import(ctx.config, cmd)
    try:
        async with ctx.uow() as uow:
            known = await repo.deal_by_external(uow.conn, cmd.source, cmd.external_id)
            if known is not None:
                return _reply(ctx, known, imported=False)
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
            await repo.add_history(uow.conn, deal, rows, cmd.actor_id)
            await uow.commit()
    except asyncpg.UniqueViolationError:
        async with ctx.uow() as uow:
            known = await repo.deal_by_external(uow.conn, cmd.source, cmd.external_id)
        if known is None:
            raise
        return _reply(ctx, known, imported=False)
    ctx.metrics.deals_created.labels("import").inc()
    return reply


def _reply(ctx: Context, deal: Deal, *, imported: bool) -> dict[str, Any]:
    return ok(
        deal=deal.to_dto().model_dump(mode="json"),
        imported=imported,
        missing=missing_on_stage(ctx.config, deal),
    )
