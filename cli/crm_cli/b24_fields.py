"""Which of our fields a Bitrix24 deal (and its contact) fills, and which it leaves empty.

The title (`TITLE`), the company (`COMPANY_ID`'s title) and the amount (`OPPORTUNITY`), and
each `UF_CRM_*` field the mapping carries: the deal's (`fields`) and the contact's own
(`contact_fields`). A field covered by the portal that is empty there is sent as `cleared`,
so a re-import empties it here; one the portal does not send (not in the row: a folder saved
without it) is left as it is. Pure: the portal's rows in, our values out.
"""

from __future__ import annotations

from typing import Any

FIELDS = (
    "subject",
    "requirements",
    "comment",
    "rop_id",
    "delivery_method",
    "failure_comment",
    "pays_by",
    "segment",
)
"""Our fields a deal's UF_CRM_* field may be mapped to (`rop_id`: its value is a Bitrix24
user id, read through `users`; `delivery_method` and `pays_by` take our codes, so a list
field's item ids need its values mapped first; `pays_by` and `segment` are the contact's)."""
CONTACT_FIELDS = ("pays_by", "segment")
"""Our contact's fields besides its name, phone and e-mail: what a contact's own UF_CRM_*
field may be mapped to (`contact_fields`)."""
NOT_CLEARED = ("rop_id", "comment")
"""Not emptied when empty there: the РОП is assigned here (an empty or unknown user there
unassigns no one), the lead's comment is taken at the first import only."""
NO_COMPANY = (None, "", "0", 0)


def empty(value: Any) -> bool:
    """Nothing there: null, an empty or blank string, an empty list."""
    return value is None or value == [] or (isinstance(value, str) and not value.strip())


def to_of(mapping: dict[str, Any], section: str, key: Any) -> str | None:
    """The `to` of `key` in a mapping's section (`stages`, `users`), None when unmapped."""
    found = (mapping.get(section) or {}).get(str(key))
    return found.get("to") if isinstance(found, dict) else None


def listed_value(mapping: dict[str, Any], uf: str, value: Any, section: str = "lists") -> Any:
    """A list field's value as we keep it: each item id through `lists` (its `to`, else the
    item's text; an id not listed stays as it is), several joined by «, »; any other field's
    value, and an empty one, as it is."""
    items = (mapping.get(section) or {}).get(uf)
    if not isinstance(items, dict) or empty(value):
        return value

    def one(item_id: Any) -> str:
        found = items.get(str(item_id))
        if not isinstance(found, dict):
            return str(item_id)
        return str(found.get("to") or found.get("name") or item_id)

    if isinstance(value, list):
        return ", ".join(one(v) for v in value if not empty(v))
    return one(value)


def _clearable(to: str) -> str | None:
    """The name `ImportDeal.cleared` gives our field, None for one never emptied."""
    if to in NOT_CLEARED:
        return None
    return f"contact.{to}" if to in CONTACT_FIELDS else to


def carried(
    deal: dict[str, Any],
    contact: dict[str, Any],
    mapping: dict[str, Any],
    companies: dict[str, Any],
) -> tuple[dict[str, Any], list[str]]:
    """(our fields the portal fills, by name; the names of those it covers and leaves empty,
    as `ImportDeal.cleared` names them). A contact's own field filled wins over a deal's
    field mapped to the same one; a field is cleared only when nothing fills it, and a
    contact's field only by the contact's own (`contact_fields`): one deal's field empty
    does not empty a contact that other deals share."""
    given: dict[str, Any] = {}
    covered: list[str] = []

    def take(name: str, row: dict[str, Any], key: str, value: Any, clears: bool = True) -> None:
        if key not in row:
            return
        if not empty(value):
            given.setdefault(name, value)
        elif clears:
            covered.append(name)

    def each(row: dict[str, Any], section: str, lists: str, allowed: tuple[str, ...]) -> None:
        for uf, to in (mapping.get(section) or {}).items():
            if to not in allowed:
                continue
            value = listed_value(mapping, uf, row.get(uf), lists)
            if to == "rop_id" and not empty(value):
                value = to_of(mapping, "users", value)
            # a deal's field empty says nothing of its contact, who may have other deals
            clears = row is contact or to not in CONTACT_FIELDS
            take(to, row, uf, str(value).strip() if not empty(value) else None, clears)

    each(contact, "contact_fields", "contact_lists", CONTACT_FIELDS)
    each(deal, "fields", "lists", FIELDS)
    take("title", deal, "TITLE", deal.get("TITLE"))
    company = deal.get("COMPANY_ID")
    if company in NO_COMPANY:
        take("company", deal, "COMPANY_ID", None)
    else:
        given["company"] = (companies.get(str(company)) or {}).get("TITLE")
    take("amount", deal, "OPPORTUNITY", deal.get("OPPORTUNITY"))
    values = {k: v for k, v in given.items() if v is not None}
    cleared = {_clearable(name) for name in covered if name not in values}
    return values, sorted(name for name in cleared if name)
