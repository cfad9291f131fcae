"""Opening a deal: shared by leads (rule 8) and the create command."""

from __future__ import annotations

import uuid

from crm_shared.commands import ContactInput, ErrorCode, Refused
from crm_shared.envelope import utcnow
from crm_shared.events import DealCreated, LeadContact, StageChanged
from crm_shared.outbox import UnitOfWork
from deal_service.adapters import repository as repo
from deal_service.domain.contacts import BadPhone, normalise_email, normalise_phone
from deal_service.domain.model import Contact, Deal
from deal_service.handlers.context import Context


async def resolve_contact(
    uow: UnitOfWork, given: LeadContact | ContactInput | None
) -> Contact | None:
    """The existing contact with the same phone or e-mail, or a new one (stored)."""
    if given is None:
        return None
    try:
        phone_norm = normalise_phone(given.phone)
    except BadPhone as exc:
        raise Refused(ErrorCode.invalid, f"contact.{exc}") from None
    email_norm = normalise_email(given.email)
    found = await repo.find_contact(uow.conn, phone_norm, email_norm)
    if found is not None:
        return found
    contact = Contact(
        id=str(uuid.uuid4()),
        name=given.name,
        phone=phone_norm or given.phone,
        email=str(given.email) if given.email else None,
        pays_by=getattr(given, "pays_by", None),
        segment=getattr(given, "segment", None),
    )
    await repo.save_contact(uow.conn, contact, phone_norm, email_norm)
    return contact


async def assign_responsible(ctx: Context, uow: UnitOfWork) -> str | None:
    """Who gets a new lead: a fixed user, or the next manager in turn (shared counter)."""
    rule = ctx.config.lead_assignment
    if rule.mode == "fixed":
        return rule.user_id
    managers = ctx.config.managers
    if not managers:
        return None
    n = await repo.next_assignment_number(uow.conn)
    return managers[(n - 1) % len(managers)].id


async def open_deal(
    ctx: Context,
    uow: UnitOfWork,
    deal: Deal,
    *,
    actor_id: str | None,
    origin: str,
    lead_comment: str | None = None,
) -> Deal:
    """Apply the РОП robot (rule 1), store the deal in the entry stage, raise its events."""
    if deal.rop_id is None and ctx.config.plan != "free":
        deal.rop_id = ctx.config.default_rop
    await repo.insert_deal(uow.conn, deal, lead_comment)
    await repo.add_stage_history(uow.conn, deal, None, actor_id)
    emit_opened(uow, deal, actor_id)
    ctx.metrics.deals_created.labels(origin).inc()
    return deal


def emit_opened(uow: UnitOfWork, deal: Deal, actor_id: str | None) -> None:
    """DealCreated, then StageChanged from nowhere into the entry stage."""
    dto = deal.to_dto()
    uow.emit(DealCreated(deal=dto), subject_id=deal.id)
    uow.emit(
        StageChanged(
            deal_id=deal.id,
            from_stage=None,
            to_stage=deal.stage,
            version=deal.version,
            actor_id=actor_id,
            deal=dto,
        ),
        subject_id=deal.id,
    )


def new_deal(ctx: Context, **fields: object) -> Deal:
    """A deal in the pipeline's entry stage, version 1."""
    now = utcnow()
    return Deal(
        id=str(uuid.uuid4()),
        stage=ctx.config.entry_stage.code,
        created_at=now,
        updated_at=now,
        **fields,  # type: ignore[arg-type]
    )
