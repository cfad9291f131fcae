"""Deal commands: create, update, move, contact attempt. Each loads, calls, saves, commits.
The rules live on the aggregate (`deal_service.domain.model.Deal`); these functions only
check the ids a command names, fetch what the aggregate needs and write what it changed."""

from __future__ import annotations

from enum import Enum
from typing import Any

from crm_shared.config import CrmConfig
from crm_shared.contracts.deal import (
    ContactInput,
    CreateDeal,
    DealFields,
    LogContactAttempt,
    MoveDeal,
    UpdateDeal,
)
from crm_shared.contracts.envelope import utcnow
from crm_shared.contracts.refusals import ErrorCode, Refused, ok
from crm_shared.machinery.outbox import UnitOfWork
from deal_service.adapters import contacts as people
from deal_service.adapters import repository as repo
from deal_service.adapters import story
from deal_service.domain.access import check_may_assign, check_may_see
from deal_service.domain.changes import DEAL_FIELDS, FieldChanges
from deal_service.domain.contacts import Contact, contact_keys, new_contact
from deal_service.domain.leads import manual_responsible, needs_turn, responsible_for
from deal_service.domain.model import Deal
from deal_service.domain.rules import check_user, reads_contact
from deal_service.handlers import approvals
from deal_service.handlers.context import Context
from deal_service.handlers.shared_contact import tell_the_contacts_deals

Reply = dict[str, Any]


def _reply(deal: Deal, **extra: Any) -> Reply:
    return ok(deal=deal.to_dto().model_dump(mode="json"), **extra)


def _plain(value: object) -> object:
    return value.value if isinstance(value, Enum) else value


async def _locked(
    uow: UnitOfWork, deal_id: str, config: CrmConfig, actor_id: str, expected: int | None = None
) -> Deal:
    """The deal, locked, if it exists, the actor may change it and it is at the `expected`
    version (when given: a client's view is stale otherwise); else a refusal."""
    deal = await repo.get_deal(uow.conn, deal_id, lock=True)
    if deal is None:
        raise Refused(ErrorCode.not_found, f"deal {deal_id!r} not found", reason="deal")
    check_may_see(config, deal, actor_id)
    if expected is not None and deal.version != expected:
        raise Refused(
            ErrorCode.version_conflict,
            f"deal {deal_id!r} is at version {deal.version}, not {expected}: it changed meanwhile",
        )
    return deal


def keeper(config: CrmConfig, responsible_id: str | None) -> str | None:
    """Whose deals a new deal's contact must come from: its responsible's when they see only
    their own (`access: own`); None (anyone's) otherwise."""
    if responsible_id is None or config.sees_all(responsible_id):
        return None
    return responsible_id


async def resolve_contact(
    uow: UnitOfWork, given: ContactInput, visible_to: str | None = None
) -> tuple[Contact, bool]:
    """The oldest contact with the same phone or e-mail (on a deal of `visible_to`, when
    given), or a new one; True when new (the deal's save stores it)."""
    phone, email = contact_keys(given)
    found = await people.find_contact(uow.conn, phone, email, visible_to)
    if found is not None:
        return found, False
    return new_contact(given, phone), True


async def create_deal(cmd: CreateDeal, ctx: Context) -> Reply:
    """Open a deal by hand in the entry stage (rule 8), with the РОП robot applied."""
    config = ctx.config
    check_user(config, cmd.actor_id, "actor_id")
    check_user(config, cmd.responsible_id, "responsible_id")
    check_user(config, cmd.rop_id, "rop_id", role="rop")
    if cmd.responsible_id is not None:
        check_may_assign(config, cmd.actor_id, responsible=(cmd.actor_id, cmd.responsible_id))
    if cmd.contact is not None and cmd.contact_id is not None:
        raise Refused(ErrorCode.invalid, "give either contact or contact_id, not both")
    async with ctx.uow() as uow:
        responsible = manual_responsible(config, cmd.responsible_id, cmd.actor_id)
        turn = (
            await repo.next_assignment_number(uow.conn) if needs_turn(config, responsible) else None
        )
        assigned = responsible_for(config, responsible, turn)
        owner = keeper(config, assigned)
        contact: Contact | None = None
        new_person = False
        if cmd.contact_id is not None:
            contact = await people.get_contact(uow.conn, cmd.contact_id)
            if (
                contact is not None
                and owner
                and not await people.on_deal_of(uow.conn, contact.id, owner)
            ):
                contact = None  # another manager's client: as if there were none
            if contact is None:
                raise Refused(
                    ErrorCode.not_found, f"contact {cmd.contact_id!r} not found", reason="contact"
                )
        elif cmd.contact is not None:
            contact, new_person = await resolve_contact(uow, cmd.contact, owner)
        deal = Deal.open(
            config,
            now=utcnow(),
            actor_id=cmd.actor_id,
            contact=contact,
            responsible_id=assigned,
            rop_id=cmd.rop_id,
            title=cmd.title,
            amount=cmd.amount,
            currency=cmd.currency or "RUB",
            company=cmd.company,
            subject=cmd.subject,
            requirements=cmd.requirements,
            delivery_method=_plain(cmd.delivery_method),
            delivery_address=cmd.delivery_address,
            source=cmd.source or "manual",
        )
        reply = _reply(deal)
        deal.contact_changed = new_person
        repo.save(uow, deal, new=True)
        await uow.commit()
    ctx.metrics.deals_created.labels("manual").inc()
    return reply


def _values(given: DealFields) -> tuple[dict[str, Any], dict[str, Any]]:
    """The deal fields and the contact fields a command sets, as given (a null clears)."""
    named = given.model_fields_set
    values = {n: _plain(getattr(given, n)) for n in DEAL_FIELDS if n in named}
    person = given.contact if "contact" in named else None
    contact_values: dict[str, Any] = {}
    if person is not None:
        # In the contact model's field order, not the set's (which varies from process to
        # process): `changed` and DealUpdated list the fields in a stable order.
        given_contact = person.model_fields_set
        contact_values = {
            n: _plain(getattr(person, n)) for n in type(person).model_fields if n in given_contact
        }
        if contact_values.get("email") is not None:
            contact_values["email"] = str(contact_values["email"])
    return values, contact_values


async def _changes(
    uow: UnitOfWork, deal: Deal, given: DealFields, config: CrmConfig
) -> FieldChanges:
    """What `given` sets on the locked `deal`, with the contact it attaches (found or new)
    and the stages of the contact's other deals, its row held so no move or update of
    another of its deals slips between."""
    values, contact_values = _values(given)
    person = given.contact if "contact" in given.model_fields_set else None
    attach, new_person = None, False
    if person is not None and deal.contact is None:
        owner = keeper(config, deal.responsible_id)
        attach, new_person = await resolve_contact(uow, person, owner)
    sharing: list[tuple[str, str]] = []
    shared = deal.contact or (None if new_person else attach)
    if person is not None and shared is not None:
        # The contact's row is every deal's that has it: held while the other deals'
        # stages are read, and re-read as it is now.
        held = await people.lock_contact(uow.conn, shared.id)
        sharing = await people.contact_stages(uow.conn, shared.id, except_deal=deal.id)
        if deal.contact is not None:
            deal.contact = held
        else:
            attach = held
    return FieldChanges(values, contact_values, attach, tuple(sharing))


async def update_deal(cmd: UpdateDeal, ctx: Context) -> Reply:
    """Change fields (never the stage); bumps the version and emits DealUpdated."""
    config = ctx.config
    check_user(config, cmd.actor_id, "actor_id")
    given = cmd.fields.model_fields_set
    if "responsible_id" in given:
        check_user(config, cmd.fields.responsible_id, "fields.responsible_id")
    if "rop_id" in given:
        check_user(config, cmd.fields.rop_id, "fields.rop_id", role="rop")
    async with ctx.uow() as uow:
        deal = await _locked(uow, cmd.deal_id, config, cmd.actor_id, cmd.expected_version)
        fields = cmd.fields
        check_may_assign(
            config,
            cmd.actor_id,
            responsible=(deal.responsible_id, fields.responsible_id)
            if "responsible_id" in given
            else None,
            rop=(deal.rop_id, fields.rop_id) if "rop_id" in given else None,
        )
        changes = await _changes(uow, deal, fields, config)
        before = deal.copy()
        changed = deal.update(
            changes.values,
            changes.contact_values,
            config=config,
            now=utcnow(),
            attach=changes.attach,
            sharing=changes.sharing,
            actor_id=cmd.actor_id,
        )
        if changed:
            story.record_changes(uow, before, deal, cmd.actor_id, changed)
            repo.save(uow, deal)
            await tell_the_contacts_deals(uow, deal, changed, cmd.actor_id)
            await uow.commit()
    return _reply(deal, changed=changed)


def _check_move_fields(cmd: MoveDeal) -> None:
    """A move's fields fill in; they do not reassign the deal (an update does, and tells
    the people concerned)."""
    for name in ("responsible_id", "rop_id"):
        if cmd.fields is not None and name in cmd.fields.model_fields_set:
            raise Refused(
                ErrorCode.invalid, f"fields.{name}: a move does not reassign; update the deal"
            )


async def move_deal(cmd: MoveDeal, ctx: Context) -> Reply:
    """Move a deal, with any `fields` filled in at the same step, or refuse the whole move
    with the reason (rules 4–7).

    A refusal is published as MoveRejected (the notifier tells the responsible, or for
    `rop_approval_required` asks the РОП) and then answered; the fields are not kept.
    """
    config = ctx.config
    check_user(config, cmd.actor_id, "actor_id")
    _check_move_fields(cmd)
    async with ctx.uow() as uow:
        deal = await _locked(uow, cmd.deal_id, config, cmd.actor_id, cmd.expected_version)
        from_stage = deal.stage
        changes = await _changes(uow, deal, cmd.fields, config) if cmd.fields is not None else None
        held = changes is not None and (changes.contact_values or changes.attach)
        if (
            deal.contact is not None
            and not held
            and reads_contact(from_stage, cmd.to_stage, config)
        ):
            # Held against an update through another deal of the contact (see update_deal).
            deal.contact = await people.lock_contact(uow.conn, deal.contact.id, share=True)
        before = deal.copy()
        try:
            changed = deal.move_to(
                cmd.to_stage,
                actor_id=cmd.actor_id,
                failure_comment=cmd.failure_comment,
                config=config,
                now=utcnow(),
                changes=changes,
            )
        except Refused as refused:
            repo.emit(uow, deal)
            approvals.after_refusal(uow, deal, cmd, refused)
            await uow.commit()
            ctx.metrics.moves_refused.labels(refused.error.code.value).inc()
            raise
        # As an update's: the story shows them, and `crm rules try` undoes them for the
        # moves before this one (the fields were not there yet).
        story.record_changes(uow, before, deal, cmd.actor_id, changed)
        repo.save(uow, deal)
        await tell_the_contacts_deals(uow, deal, changed, cmd.actor_id)
        await approvals.after_move(uow, deal, cmd.actor_id)
        await uow.commit()
    ctx.metrics.stage_transitions.labels(from_stage, deal.stage).inc()
    if deal.stage == config.success_stage.code:
        ctx.metrics.deals_won.inc()
        ctx.metrics.won_amount.labels(deal.currency).inc(float(deal.amount or 0))
        ctx.metrics.won_amount_by_responsible.labels(
            deal.responsible_id or "unassigned", deal.currency
        ).inc(float(deal.amount or 0))
    return _reply(deal, changed=changed)


async def log_contact_attempt(cmd: LogContactAttempt, ctx: Context) -> Reply:
    """Count a failed attempt to reach the client on the deal's current stage (rule 6)."""
    check_user(ctx.config, cmd.actor_id, "actor_id")
    async with ctx.uow() as uow:
        deal = await _locked(uow, cmd.deal_id, ctx.config, cmd.actor_id)
        deal.log_contact_attempt(
            actor_id=cmd.actor_id, note=cmd.note, config=ctx.config, now=utcnow()
        )
        repo.save(uow, deal)
        await uow.commit()
    return _reply(deal)
