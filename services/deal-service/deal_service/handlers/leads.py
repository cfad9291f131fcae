"""Rule 8: every lead becomes one deal in the entry stage, attached to a known contact.

A batch of leads is handled set-based, in a fixed number of statements whatever its size:
the per-lead version (six queries each) spent most of its time in round trips to the
database, which capped the whole pipeline. The outcome is the same as handling the leads
one by one in arrival order: a lead repeated within the batch is a duplicate of the first,
a contact created for one lead is found by the next lead with that phone or e-mail, and
round-robin numbers are drawn in lead order.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from crm_shared.commands import ErrorCode, Refused
from crm_shared.consumer import Item
from crm_shared.events import LeadReceived
from crm_shared.outbox import UnitOfWork
from deal_service.adapters import lead_batch as batch
from deal_service.domain.contacts import BadPhone, normalise_email, normalise_phone
from deal_service.domain.model import Contact, Deal
from deal_service.domain.rules import check_user
from deal_service.handlers.context import Context
from deal_service.handlers.opening import emit_opened, new_deal

CONSUMER = "deal-service-leads"


@dataclass
class _Accepted:
    """A lead that passed the checks, with its contact's normalised keys."""

    lead: LeadReceived
    phone: str | None
    email: str | None


async def receive_leads(items: list[Item[LeadReceived]], ctx: Context) -> None:
    """Turn a batch of leads into deals in one transaction of two statements.

    Duplicates are caught twice: by event id (the inbox) and by (source, external_id), so a
    source system that re-sends a lead under a new message id still makes one deal. The
    checks that need no database run first, so that one read can also draw the round-robin
    numbers of the leads that will open a deal.
    """
    checked: list[_Accepted | Refused] = []
    for item in items:
        try:
            checked.append(_check(item.value, ctx))
        except Refused as refused:
            checked.append(refused)
    rule, managers = ctx.config.lead_assignment, ctx.config.managers
    async with ctx.uow() as uow:
        state = await batch.read_batch(
            uow.conn,
            CONSUMER,
            [
                batch.BatchLead(
                    event_id=item.event_id,
                    source=item.value.source,
                    external_id=item.value.external_id,
                    valid=isinstance(check, _Accepted),
                    unassigned=item.value.responsible_id is None,
                )
                for item, check in zip(items, checked, strict=True)
            ],
            sorted({c.phone for c in checked if isinstance(c, _Accepted) and c.phone}),
            sorted({c.email for c in checked if isinstance(c, _Accepted) and c.email}),
            draw_numbers=rule.mode != "fixed" and bool(managers),
        )
        accepted: list[_Accepted] = []
        known = state.known
        for item, check in zip(items, checked, strict=True):
            lead = item.value
            key = (lead.source, lead.external_id)
            if item.event_id not in state.fresh or key in known:
                ctx.metrics.duplicates_skipped.labels(CONSUMER).inc()
                continue
            if isinstance(check, Refused):
                item.reject(f"{check.error.code.value}: {check.error.message}")
                continue
            accepted.append(check)
            known.add(key)  # a second copy later in this batch is a duplicate
        await _open_from_leads(accepted, ctx, uow, state)
        await uow.commit()
    for item in items:
        if item.rejected is None:
            ctx.metrics.leads_received.labels(item.value.source).inc()


def _check(lead: LeadReceived, ctx: Context) -> _Accepted:
    """Everything that can refuse a lead, before anything is written."""
    check_user(ctx.config, lead.responsible_id, "responsible_id")
    if not (lead.contact.name or lead.contact.phone or lead.contact.email):
        raise Refused(ErrorCode.invalid, "contact: a name, phone or email is required")
    try:
        phone = normalise_phone(lead.contact.phone)
    except BadPhone as exc:
        raise Refused(ErrorCode.invalid, f"contact.{exc}") from None
    return _Accepted(lead, phone, normalise_email(lead.contact.email))


class _Contacts:
    """Contact matching for a batch: the oldest contact with the phone or the e-mail.

    Existing contacts are older than any made in this transaction; those made here share
    the transaction's timestamp, so among them the smallest id is "oldest", as in SQL.
    """

    def __init__(self, found: list[tuple[Contact, str | None, str | None]]) -> None:
        self._by_phone: dict[str, tuple[tuple[Any, ...], Contact]] = {}
        self._by_email: dict[str, tuple[tuple[Any, ...], Contact]] = {}
        for rank, (contact, phone, email) in enumerate(found):  # oldest first
            self._remember(contact, phone, email, (0, rank))
        self.created: list[tuple[Contact, str | None, str | None]] = []

    def _remember(self, c: Contact, phone: str | None, email: str | None, age: Any) -> None:
        if phone is not None:
            self._by_phone.setdefault(phone, (age, c))
        if email is not None:
            self._by_email.setdefault(email, (age, c))

    def resolve(self, a: _Accepted) -> Contact:
        """The matching contact, or a new one (to be inserted)."""
        matches = [
            m
            for m in (self._by_phone.get(a.phone or ""), self._by_email.get(a.email or ""))
            if m is not None
        ]
        if matches:
            return min(matches, key=lambda m: m[0])[1]
        given = a.lead.contact
        contact = Contact(
            id=str(uuid.uuid4()),
            name=given.name,
            phone=a.phone or given.phone,
            email=str(given.email) if given.email else None,
            pays_by=getattr(given, "pays_by", None),
            segment=getattr(given, "segment", None),
        )
        self.created.append((contact, a.phone, a.email))
        self._remember(contact, a.phone, a.email, (1, contact.id))
        return contact


async def _open_from_leads(
    accepted: list[_Accepted], ctx: Context, uow: UnitOfWork, state: batch.BatchState
) -> None:
    """Contacts, responsibles, the deals and their events for every accepted lead."""
    if not accepted:
        return
    contacts = _Contacts(state.contacts)
    resolved = [contacts.resolve(a) for a in accepted]
    responsibles = await _responsibles(ctx, uow, [a.lead for a in accepted], state.numbers)
    deals: list[tuple[Deal, str | None]] = []
    for a, contact, responsible in zip(accepted, resolved, responsibles, strict=True):
        lead = a.lead
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
        if ctx.config.plan != "free":
            deal.rop_id = ctx.config.default_rop  # the РОП robot (rule 1)
        deals.append((deal, lead.comment))
    batch.insert_contacts(uow, contacts.created)
    batch.insert_deals(uow, deals)
    batch.add_stage_entries(uow, [d for d, _ in deals], None)
    for deal, _ in deals:
        emit_opened(uow, deal, None)
        ctx.metrics.deals_created.labels("lead").inc()


async def _responsibles(
    ctx: Context, uow: UnitOfWork, leads: list[LeadReceived], drawn: list[int]
) -> list[str | None]:
    """Who gets each lead: its own responsible_id, a fixed user, or the next manager in turn.

    `drawn` are the numbers the batch's read drew for exactly these leads; should it ever
    fall short, the rest are drawn here (a guard: the read applies the same rule).
    """
    rule = ctx.config.lead_assignment
    managers = ctx.config.managers
    unassigned = sum(1 for lead in leads if lead.responsible_id is None)
    numbers: list[int] = []
    if rule.mode != "fixed" and managers:
        numbers = drawn[:unassigned]
        if len(numbers) < unassigned:
            numbers += await batch.next_assignment_numbers(uow.conn, unassigned - len(numbers))
    turn = iter(numbers)
    chosen: list[str | None] = []
    for lead in leads:
        if lead.responsible_id is not None:
            chosen.append(lead.responsible_id)
        elif rule.mode == "fixed":
            chosen.append(rule.user_id)
        elif not managers:
            chosen.append(None)
        else:
            chosen.append(managers[(next(turn) - 1) % len(managers)].id)
    return chosen


def _title(lead: LeadReceived) -> str:
    who = lead.contact.name or lead.contact.phone or lead.contact.email or ""
    return f"Лид {lead.source}: {who}".strip()
