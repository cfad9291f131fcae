"""Rule 8: every lead becomes one deal in the entry stage, attached to a known contact.

A batch of leads is handled set-based, in two statements whatever its size (one read, one
write at commit): the per-lead version (six queries each) spent most of its time in round
trips to the database, which capped the whole pipeline. Every decision comes from the deal
domain (`check_lead`, `needs_turn`, `responsible_for`, `Deal.open`), as for a deal made by
hand. The outcome is the same as handling the leads one by one in arrival order: a lead
repeated within the batch is a duplicate of the first, a contact created for one lead is
found by the next lead with that phone or e-mail, and round-robin turns go in lead order.

A lead the rules refuse is dead-lettered through the outbox, in the transaction that claims
it in the inbox: a crash between commit and publish cannot lose its dead letter.
"""

from __future__ import annotations

from typing import Any

from crm_shared.contracts.deal import LeadReceived
from crm_shared.contracts.envelope import utcnow
from crm_shared.contracts.refusals import Refused
from crm_shared.machinery.bus import dead_letter_message
from crm_shared.machinery.consumer import Item
from crm_shared.machinery.outbox import UnitOfWork
from deal_service.adapters import lead_batch as batch
from deal_service.adapters import repository as repo
from deal_service.domain.contacts import Contact, new_contact
from deal_service.domain.leads import (
    CheckedLead,
    check_lead,
    inbox_key,
    lead_title,
    needs_turn,
    responsible_for,
)
from deal_service.domain.model import Deal
from deal_service.handlers.context import Context
from deal_service.settings import NAME as SERVICE

CONSUMER = "deal-service-leads"


async def receive_leads(items: list[Item[LeadReceived]], ctx: Context) -> None:
    """Turn a batch of leads into deals in one transaction of two statements.

    Duplicates are caught twice: by event id (the inbox) and by (source, external_id), so a
    source system that re-sends a lead under a new message id still makes one deal. The
    checks that need no database run first, so that one read can also draw the round-robin
    numbers of the valid leads that need a turn.
    """
    checked: list[CheckedLead | Refused] = []
    for item in items:
        try:
            checked.append(check_lead(item.value, ctx.config))
        except Refused as refused:
            checked.append(refused)
    valid = [c for c in checked if isinstance(c, CheckedLead)]
    keys = [inbox_key(item.event_id) for item in items]
    refused_letters = 0
    async with ctx.uow() as uow:
        state = await batch.read_batch(
            uow.conn,
            CONSUMER,
            keys,
            sorted({c.key for c in valid}),
            sorted({c.phone for c in valid if c.phone}),
            sorted({c.email for c in valid if c.email}),
            sum(1 for c in valid if needs_turn(ctx.config, c.lead.responsible_id)),
        )
        accepted: list[CheckedLead] = []
        known = state.known
        for item, key, check in zip(items, keys, checked, strict=True):
            if key not in state.fresh or (isinstance(check, CheckedLead) and check.key in known):
                ctx.metrics.duplicates_skipped.labels(CONSUMER).inc()
                continue
            if isinstance(check, Refused):
                _dead_letter(uow, item, f"{check.error.code.value}: {check.error.message}")
                refused_letters += 1
                continue
            accepted.append(check)
            known.add(check.key)  # a second copy later in this batch is a duplicate
        _open_from_leads(accepted, ctx, uow, state)
        await uow.commit()
    if refused_letters:
        ctx.metrics.dead_letters.labels(CONSUMER, "rejected").inc(refused_letters)
    for item, check in zip(items, checked, strict=True):
        if not isinstance(check, Refused):
            ctx.metrics.leads_received.labels(item.value.source).inc()


def _dead_letter(uow: UnitOfWork, item: Item[LeadReceived], reason: str) -> None:
    """The refused lead's dead letter, as an outbox row of this transaction."""
    event_id, subject, body = dead_letter_message(SERVICE, item.msg, reason, kind="rejected")
    uow.emit_raw(event_id, subject, body)


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

    def resolve(self, a: CheckedLead) -> Contact:
        """The matching contact, or a new one (to be inserted)."""
        matches = [
            m
            for m in (self._by_phone.get(a.phone or ""), self._by_email.get(a.email or ""))
            if m is not None
        ]
        if matches:
            return min(matches, key=lambda m: m[0])[1]
        contact = new_contact(a.lead.contact, a.phone)
        self.created.append((contact, a.phone, a.email))
        self._remember(contact, a.phone, a.email, (1, contact.id))
        return contact


def _open_from_leads(
    accepted: list[CheckedLead], ctx: Context, uow: UnitOfWork, state: batch.BatchState
) -> None:
    """Contacts, responsibles, the deals and their events for every accepted lead."""
    if not accepted:
        return
    config = ctx.config
    contacts = _Contacts(state.contacts)
    turns = iter(state.numbers)
    now = utcnow()
    deals: list[Deal] = []
    for a in accepted:
        lead = a.lead
        turn = next(turns, None) if needs_turn(config, lead.responsible_id) else None
        deals.append(
            Deal.open(
                config,
                now=now,
                actor_id=None,
                contact=contacts.resolve(a),
                responsible_id=responsible_for(config, lead.responsible_id, turn),
                title=lead_title(lead),
                amount=lead.amount,
                currency=lead.currency or "RUB",
                subject=lead.subject,
                requirements=lead.requirements,
                source=lead.source,
                external_id=lead.external_id,
                comment=lead.comment,
            )
        )
    batch.insert_contacts(uow, contacts.created)
    batch.insert_deals(uow, deals)
    batch.add_stage_entries(uow, deals, None)
    for deal in deals:
        deal.entries.clear()  # written by add_stage_entries, set-based
        repo.emit(uow, deal)
    ctx.metrics.deals_created.labels("lead").inc(len(deals))
