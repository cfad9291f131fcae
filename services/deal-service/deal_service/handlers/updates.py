"""Applying an update command's fields to a deal and its contact."""

from __future__ import annotations

from enum import Enum

from crm_shared.commands import DealFields, ErrorCode, Refused
from crm_shared.outbox import UnitOfWork
from deal_service.adapters import repository as repo
from deal_service.domain.contacts import BadPhone, normalise_email, normalise_phone
from deal_service.domain.model import CONTACT_FIELDS, DEAL_FIELDS, Deal
from deal_service.handlers.opening import resolve_contact


def _plain(value: object) -> object:
    return value.value if isinstance(value, Enum) else value


async def apply_fields(deal: Deal, fields: DealFields, uow: UnitOfWork) -> list[str]:
    """Set the fields that were given; returns the names that really changed."""
    given = fields.model_fields_set
    changed: list[str] = []
    for name in DEAL_FIELDS:
        if name not in given:
            continue
        value = _plain(getattr(fields, name))
        if name == "currency" and value is None:
            raise Refused(ErrorCode.invalid, "fields.currency: cannot be empty")
        if getattr(deal, name) != value:
            setattr(deal, name, value)
            changed.append(name)
    if "contact" in given and fields.contact is not None:
        changed += await _apply_contact(deal, fields, uow)
    return changed


async def _apply_contact(deal: Deal, fields: DealFields, uow: UnitOfWork) -> list[str]:
    assert fields.contact is not None
    changed: list[str] = []
    if deal.contact is None:
        deal.contact = await resolve_contact(uow, fields.contact)
        changed.append("contact")
    contact = deal.contact
    assert contact is not None
    given = fields.contact.model_fields_set
    try:
        for name in CONTACT_FIELDS:
            if name not in given:
                continue
            value = _plain(getattr(fields.contact, name))
            if name == "phone":
                value = normalise_phone(value) or value  # type: ignore[arg-type]
            if name == "email" and value is not None:
                value = str(value)
            if getattr(contact, name) != value:
                setattr(contact, name, value)
                changed.append(f"contact.{name}")
        phone_norm = normalise_phone(contact.phone)
    except BadPhone as exc:
        raise Refused(ErrorCode.invalid, f"fields.contact.{exc}") from None
    if changed:
        await repo.save_contact(uow.conn, contact, phone_norm, normalise_email(contact.email))
    return changed
