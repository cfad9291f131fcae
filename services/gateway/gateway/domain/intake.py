"""Lead bodies as sources send them, turned into the one `crm.lead.received` payload.

Each adapter is a pure function from what arrived (parsed form pairs or JSON) to the
lead's data; the handler validates it against `LeadReceived` and publishes it. Where a
source has its own id for the submission (Tilda's `tranid`, Bitrix24's `ORIGIN_ID`, the
Standard Webhooks `webhook-id`), it is the lead's `external_id`, so a replay makes no
second deal (deal-service keys leads on source and external id).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import ValidationError

from crm_shared.contracts.deal import LeadReceived
from crm_shared.contracts.phones import NO_CONTACT, contact_problem
from crm_shared.locale import form_problems


class IntakeError(ValueError):
    """The body cannot be a lead (HTTP 400): the message says why in English, for programs;
    `said` in Russian, for people (Bitrix24's `error_description`, the problems' params)."""

    def __init__(self, message: str, said: str) -> None:
        super().__init__(message)
        self.said = said


Pairs = Sequence[tuple[str, str]]


def _first(form: Mapping[str, str], *names: str) -> str | None:
    for name in names:
        value = form.get(name)
        if value is not None and value.strip():
            return value.strip()
    return None


def is_tilda_test(pairs: Pairs) -> bool:
    """Tilda checks a new webhook with a body of `test=test`: answered `ok`, not a lead."""
    return dict(pairs).get("test") == "test" and len(pairs) == 1


def from_tilda(pairs: Pairs) -> dict[str, Any]:
    """Tilda's url-encoded form: Name, Phone, Email, tranid (its submission id), anything else.

    Fields Tilda adds beside the form's own (formid, formname, COOKIES) are not the
    client's words and are left out of the comment.
    """
    form = dict(pairs)
    lookup = {k.lower(): v for k, v in pairs}
    extra = [
        f"{k}: {v}"
        for k, v in pairs
        if k.lower() not in _TILDA_KNOWN and v.strip() and not k.startswith("_")
    ]
    return {
        "external_id": _first(lookup, "tranid"),
        "contact": {
            "name": _first(lookup, "name"),
            "phone": _first(lookup, "phone"),
            "email": _first(lookup, "email"),
        },
        "title": _first(form, "formname"),
        "comment": "\n".join(extra) or None,
    }


_TILDA_KNOWN = {"name", "phone", "email", "tranid", "formid", "formname", "cookies", "test"}
_BITRIX_KEY = re.compile(r"^fields\[(\w+)\](?:\[(\d+)\]\[(\w+)\])?$")


def from_bitrix24(pairs: Pairs, entity: str = "lead") -> dict[str, Any]:
    """A Bitrix24 `crm.lead.add` body (or `crm.contact.add`'s, `crm.deal.add`'s: `entity`):
    fields[TITLE], fields[NAME], fields[SECOND_NAME], fields[LAST_NAME],
    fields[PHONE][0][VALUE], fields[EMAIL][0][VALUE], fields[COMMENTS], fields[OPPORTUNITY],
    fields[CURRENCY_ID], fields[ORIGIN_ID] (the sender's own id for the lead). Field names
    are read in upper case, as Bitrix24 writes them; others are left out. A contact has no
    title, so its lead gets none (the deal is titled as any untitled lead)."""
    fields: dict[str, str] = {}
    multi: dict[str, str] = {}
    for key, value in pairs:
        m = _BITRIX_KEY.match(key)
        if not m:
            continue
        name, index, sub = m.group(1).upper(), m.group(2), (m.group(3) or "").upper()
        if index is None:
            fields[name] = value
        elif sub == "VALUE" and name not in multi and value.strip():
            multi[name] = value
    if entity == "contact":
        fields.pop("TITLE", None)
    names = (_first(fields, n) for n in ("NAME", "SECOND_NAME", "LAST_NAME"))
    person = " ".join(p for p in names if p)
    return {
        "external_id": _first(fields, "ORIGIN_ID"),
        "contact": {
            "name": person or None,
            "phone": multi.get("PHONE"),
            "email": multi.get("EMAIL"),
        },
        "title": _first(fields, "TITLE"),
        "comment": _first(fields, "COMMENTS"),
        "amount": _first(fields, "OPPORTUNITY"),
        "currency": _first(fields, "CURRENCY_ID"),
    }


def bitrix24_pairs_from_json(body: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The same body sent as JSON ({"fields": {"TITLE": …, "PHONE": [{"VALUE": …}]}})."""
    fields = body.get("fields")
    if not isinstance(fields, Mapping):
        raise IntakeError("a crm.lead.add body has `fields`", "в теле crm.lead.add нет fields")
    pairs: list[tuple[str, str]] = []
    for name, value in fields.items():
        if isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, Mapping) and "VALUE" in item:
                    pairs.append((f"fields[{name}][{i}][VALUE]", str(item["VALUE"])))
        elif value is not None:
            pairs.append((f"fields[{name}]", str(value)))
    return pairs


def from_json(body: Any) -> dict[str, Any]:
    """The lead event's data as JSON (a Standard Webhooks body may wrap it in `data`)."""
    if isinstance(body, Mapping) and isinstance(body.get("data"), Mapping) and "type" in body:
        body = body["data"]
    if not isinstance(body, Mapping):
        raise IntakeError("the body must be a JSON object", "тело запроса — не объект JSON")
    return dict(body)


def to_lead(data: Mapping[str, Any], *, source: str, fallback_id: str) -> LeadReceived:
    """The lead as published: `source` is the integration's, `external_id` the sender's own
    id when it gave one, else `fallback_id` (the Idempotency-Key, the webhook id, or a hash
    of the body). Raises IntakeError naming what is wrong."""
    payload = {k: v for k, v in data.items() if v is not None}
    payload["source"] = source
    payload["external_id"] = str(payload.get("external_id") or fallback_id)
    if isinstance(payload.get("contact"), Mapping):
        payload["contact"] = {k: v for k, v in payload["contact"].items() if v is not None}
    try:
        lead = LeadReceived.model_validate(payload)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors()
        )
        raise IntakeError(problems, form_problems(exc.errors())) from None
    # What deal-service would refuse after a 2xx here (its lead would go to the dead
    # letters): a contact of spaces only, a phone that is no phone.
    given = lead.contact
    problem = contact_problem(given.name, given.phone, given.email)
    if problem == NO_CONTACT:
        raise IntakeError(problem, "нужен контакт: имя, телефон или e-mail")
    if problem is not None:
        bad_phone = [{"loc": ("contact", "phone"), "type": "value_error"}]
        raise IntakeError(problem, form_problems(bad_phone))
    return lead
