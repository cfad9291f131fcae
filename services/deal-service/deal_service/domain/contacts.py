"""How contacts are recognised: normalised phone (E.164) or lower-cased e-mail."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crm_shared.contracts.dto import Contact as ContactDTO
from crm_shared.contracts.envelope import new_id
from crm_shared.contracts.phones import BadPhone as BadPhone
from crm_shared.contracts.phones import normalise_email as normalise_email
from crm_shared.contracts.phones import normalise_phone as normalise_phone
from crm_shared.contracts.refusals import ErrorCode, Refused
from crm_shared.contracts.text import filled


@dataclass
class Contact:
    """Контакт: the client person."""

    id: str
    name: str | None = None
    phone: str | None = None
    email: str | None = None
    pays_by: str | None = None
    segment: str | None = None

    def to_dto(self) -> ContactDTO:
        """The contact as the event API shows it."""
        return ContactDTO.model_validate(self.__dict__)

    def keys(self) -> tuple[str | None, str | None]:
        """Its normalised phone and e-mail, by which leads find it (its phone is readable)."""
        try:
            phone = normalise_phone(self.phone)
        except BadPhone:
            phone = None
        return phone, normalise_email(self.email)


def contact_keys(given: Any) -> tuple[str | None, str | None]:
    """The normalised (phone, e-mail) of given contact details; Refused for a bad phone."""
    try:
        phone = normalise_phone(given.phone)
    except BadPhone as exc:
        raise Refused(ErrorCode.invalid, f"contact.{exc}") from None
    email = str(given.email) if given.email else None
    return phone, normalise_email(email)


def new_contact(given: Any, phone_norm: str | None) -> Contact:
    """A new contact from the details a lead or a command gave (`name`, `phone`, ...)."""
    return Contact(
        id=new_id(),
        name=given.name if filled(given.name) else None,  # a name of spaces is no name
        phone=phone_norm or given.phone,
        email=str(given.email) if given.email else None,
        pays_by=_plain(_optional(given, "pays_by")),
        segment=_optional(given, "segment"),
    )


def _optional(given: Any, name: str) -> Any:
    """`given.name`, None when `given` has no such field (a lead's contact): asked of the
    class, since a missing attribute of a pydantic model raises inside its __getattr__ (an
    exception per lead and field, 4 % of deal-service's samples under the lead load)."""
    return getattr(given, name) if name in getattr(type(given), "model_fields", ()) else None


def _plain(value: Any) -> Any:
    return getattr(value, "value", value)
