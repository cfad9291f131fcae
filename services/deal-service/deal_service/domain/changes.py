"""What a command sets on a deal: the fields an update (or a move that fills in) may set,
and how a contact's fields are set. The deal aggregate (`model.Deal`) checks and applies them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from crm_shared.contracts.deal import DEAL_FIELD_NAMES
from crm_shared.contracts.refusals import ErrorCode, Refused
from crm_shared.locale import form_problems
from deal_service.domain.contacts import BadPhone, Contact, normalise_phone


@dataclass(frozen=True)
class FieldChanges:
    """Fields a command sets: an update, or a move that fills in what its target needs.

    `values` by deal field, `contact_values` by contact field; `attach` is the contact found
    or made for a deal that had none, `sharing` the (deal id, stage) of the contact's other
    deals (what `rules.check_kept` must keep filled for them); `kept` false: not checked
    (a re-import sets what the source holds, a required field emptied there too).
    """

    values: Mapping[str, Any]
    contact_values: Mapping[str, Any] = field(default_factory=dict)
    attach: Contact | None = None
    sharing: tuple[tuple[str, str], ...] = ()
    kept: bool = True


def set_contact(contact: Contact, values: Mapping[str, Any]) -> list[str]:
    """Set contact fields (a phone normalised); returns `contact.<name>` of each changed."""
    changed = []
    for name, value in values.items():
        if name == "phone":
            try:
                value = normalise_phone(value) or value
            except BadPhone as exc:  # the form's problem, as a person reads it: «Телефон: …»
                said = form_problems([{"loc": ("contact", "phone"), "type": "value_error"}])
                raise Refused(
                    ErrorCode.invalid, f"fields.contact.{exc}", reason="form", problems=said
                ) from None
        if getattr(contact, name) != value:
            setattr(contact, name, value)
            changed.append(f"contact.{name}")
    return changed


DEAL_FIELDS = DEAL_FIELD_NAMES
"""The deal fields an update may set: the contract's `DealFields` but its contact."""
