"""ImportDeal: a deal from another CRM stored as it stands there, once per (source, id)."""

from __future__ import annotations

from typing import Any

from crm_shared.contracts.commands import ok
from crm_shared.contracts.import_commands import ImportDeal
from deal_service.adapters import repository as repo
from deal_service.domain.imports import check_import, imported_deal
from deal_service.handlers.context import Context
from deal_service.handlers.deals import resolve_contact


async def import_deal(cmd: ImportDeal, ctx: Context) -> dict[str, Any]:
    """Store the deal, its history and its events; the same (source, external_id) again
    answers the deal as it is here, `imported` false, and changes nothing."""
    check_import(ctx.config, cmd)
    async with ctx.uow() as uow:
        known = await repo.deal_by_external(uow.conn, cmd.source, cmd.external_id)
        if known is not None:
            return ok(deal=known.to_dto().model_dump(mode="json"), imported=False)
        contact, new_person = await resolve_contact(uow, cmd.contact)
        deal, rows = imported_deal(ctx.config, cmd, contact)
        reply = ok(deal=deal.to_dto().model_dump(mode="json"), imported=True)
        deal.contact_changed = new_person
        repo.save(uow, deal, new=True)
        repo.add_history(uow, deal, rows, cmd.actor_id)
        await uow.commit()
    ctx.metrics.deals_created.labels("import").inc()
    return reply
