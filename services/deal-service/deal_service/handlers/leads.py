"""Rule 8: every lead becomes one deal in the entry stage, attached to a known contact."""

from __future__ import annotations

from crm_shared import inbox
from crm_shared.commands import ErrorCode, Refused
from crm_shared.consumer import Item
from crm_shared.events import LeadReceived
from crm_shared.outbox import UnitOfWork
from deal_service.adapters import repository as repo
from deal_service.domain.rules import check_user
from deal_service.handlers.context import Context
from deal_service.handlers.opening import assign_responsible, new_deal, open_deal, resolve_contact

CONSUMER = "deal-service-leads"


async def receive_leads(items: list[Item[LeadReceived]], ctx: Context) -> None:
    """Turn a batch of leads into deals in one transaction.

    Duplicates are caught twice: by event id (the inbox) and by (source, external_id), so a
    source system that re-sends a lead under a new message id still makes one deal.
    """
    async with ctx.uow() as uow:
        fresh = await inbox.claim(uow.conn, repo.SCHEMA, CONSUMER, [i.event_id for i in items])
        for item in items:
            if item.event_id not in fresh:
                ctx.metrics.duplicates_skipped.labels(CONSUMER).inc()
                continue
            lead = item.value
            if await repo.deal_id_by_lead(uow.conn, lead.source, lead.external_id):
                ctx.metrics.duplicates_skipped.labels(CONSUMER).inc()
                continue
            try:
                await _open_from_lead(lead, ctx, uow)
            except Refused as refused:
                item.reject(f"{refused.error.code.value}: {refused.error.message}")
        await uow.commit()
    for item in items:
        if item.rejected is None:
            ctx.metrics.leads_received.labels(item.value.source).inc()


async def _open_from_lead(lead: LeadReceived, ctx: Context, uow: UnitOfWork) -> None:
    check_user(ctx.config, lead.responsible_id, "responsible_id")
    if not (lead.contact.name or lead.contact.phone or lead.contact.email):
        raise Refused(ErrorCode.invalid, "contact: a name, phone or email is required")
    contact = await resolve_contact(uow, lead.contact)
    responsible = lead.responsible_id or await assign_responsible(ctx, uow)
    deal = new_deal(
        ctx,
        title=lead.title or _title(lead),
        amount=lead.amount,
        currency=lead.currency or "RUB",
        contact=contact,
        responsible_id=responsible,
        subject=lead.subject,
        requirements=lead.requirements,
        source=lead.source,
        external_id=lead.external_id,
    )
    await open_deal(ctx, uow, deal, actor_id=None, origin="lead", lead_comment=lead.comment)


def _title(lead: LeadReceived) -> str:
    who = lead.contact.name or lead.contact.phone or lead.contact.email or ""
    return f"Лид {lead.source}: {who}".strip()
