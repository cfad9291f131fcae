"""What the deal's story records of a change (issue 22): each field's name, from and to, as
text (no I/O)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from deal_service.domain.model import Deal


def _value(deal: Deal, name: str) -> Any:
    if name == "contact":
        return deal.contact.name if deal.contact else None
    if name.startswith("contact."):
        return getattr(deal.contact, name[8:], None) if deal.contact else None
    return getattr(deal, name, None)


def _text(value: Any) -> str | None:
    value = getattr(value, "value", value)
    return None if value is None else str(value)


def field_changes(before: Deal, after: Deal, changed: list[str]) -> list[dict[str, Any]]:
    """[{field, from, to}] of the fields an update changed, in `changed`'s order."""
    return [
        {"field": name, "from": _text(_value(before, name)), "to": _text(_value(after, name))}
        for name in changed
    ]
