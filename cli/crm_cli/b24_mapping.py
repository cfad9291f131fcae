"""From what a Bitrix24 portal holds to our deals: the mapping plan and each deal's import.

Pure: the portal's rows in, our ImportDeal out (or ValueError saying why not).
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from crm_cli.b24_fields import CONTACT_FIELDS, FIELDS, carried, to_of
from crm_shared.config import CrmConfig
from crm_shared.contracts.deal import ImportDeal
from crm_shared.locale.imports import fields, plan_header
from crm_shared.locale.words import DELIVERY, PAYS_BY

SOURCE = "bitrix24"
PLAN_HEADER = plan_header(list(FIELDS), list(CONTACT_FIELDS))
"""The plan file's header, in Russian: what each section is and what `to` may be."""
_CODES = {word.casefold(): code for code, word in {**DELIVERY, **PAYS_BY}.items()}
"""Our codes by their Russian words: a list item named «Самовывоз» is `pickup`."""


class Skip(ValueError):
    """A row that cannot be imported: the report's code and what its sentence needs."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = {k: "" if v is None else str(v) for k, v in params.items()}

    def report(self) -> dict[str, Any]:
        """As the report lists it: `{"code", "params"}`."""
        return {"code": self.code, "params": self.params}


def user_name(user: dict[str, Any]) -> str:
    """A Bitrix24 user's name as people read it: «Иван Петров» (NAME, LAST_NAME)."""
    return " ".join(str(user.get(k) or "") for k in ("NAME", "LAST_NAME")).strip()


def plan(
    config: CrmConfig,
    stages: list[dict[str, Any]],
    users: list[dict[str, Any]],
    deals: list[dict[str, Any]],
    userfields: list[dict[str, Any]] | None = None,
    contacts: list[dict[str, Any]] | None = None,
    contact_userfields: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Stages and users matched by name where they match (each stage with its deals' count,
    and the stages deals are at that the portal did not list), the deals' UF_CRM_* fields each
    mapped to our field whose Russian name is its label (crm.deal.userfield.list; case and
    spaces aside), else unmapped, each list field's items (crm.deal.userfield.list's LIST)
    with our code where its name is one of our words; the contacts' UF_CRM_* fields likewise
    (crm.contact.userfield.list), each mapped to our contact field whose Russian name is its
    label."""
    our_stages = {s.name.casefold(): s.code for s in config.pipeline.stages}
    our_users = {u.name.casefold(): u.id for u in config.users}
    held = Counter(str(d.get("STAGE_ID")) for d in deals)
    planned_stages = {
        str(s.get("STATUS_ID")): {
            "name": s.get("NAME"),
            "deals": held.pop(str(s.get("STATUS_ID")), 0),
            "to": our_stages.get(str(s.get("NAME", "")).strip().casefold()),
        }
        for s in stages
    }
    # a stage deals are at that the portal did not list (a folder saved without its
    # pipeline's stages): there to be mapped by hand
    planned_stages |= {stage: {"name": stage, "deals": n, "to": None} for stage, n in held.items()}
    planned_users = {}
    for u in users:
        name = user_name(u)
        planned_users[str(u.get("ID"))] = {"name": name, "to": our_users.get(name.casefold())}
    uf = _seen(deals)
    contact_uf = _seen(contacts or [])
    ours = {_bare(fields([n])): n for n in FIELDS}
    labels = {_bare(fields([f"contact.{n}"])): n for n in CONTACT_FIELDS}
    return {
        "stages": planned_stages,
        "users": planned_users,
        "fields": {name: ours.get(_bare(_label(userfields or [], name))) for name in uf},
        "lists": _lists(userfields or [], uf),
        "contact_fields": {
            name: labels.get(_bare(_label(contact_userfields or [], name))) for name in contact_uf
        },
        "contact_lists": _lists(contact_userfields or [], contact_uf),
    }


def _seen(rows: list[dict[str, Any]]) -> list[str]:
    """The UF_CRM_* fields the rows have, sorted."""
    return sorted({k for row in rows for k in row if str(k).startswith("UF_CRM_")})


def _bare(label: str) -> str:
    """A label as it is compared with our fields' names: case, spaces and ё aside («Способ
    доставки», « способ  Доставки » and «СПОСОБДОСТАВКИ» are one)."""
    return "".join(label.casefold().replace("ё", "е").split())


def _label(userfields: list[dict[str, Any]], name: str) -> str:
    """A user field's label as a person sees it (Russian where it has several), or ""."""
    for f in userfields:
        if str(f.get("FIELD_NAME")) == name:
            for key in ("EDIT_FORM_LABEL", "LIST_COLUMN_LABEL", "LIST_FILTER_LABEL"):
                label = f.get(key)
                label = (
                    label.get("ru") or next(iter(label.values()), "")
                    if isinstance(label, dict)
                    else label
                )
                if label:
                    return str(label).strip()
    return ""


def _lists(userfields: list[dict[str, Any]], seen: list[str]) -> dict[str, Any]:
    """Each list (`enumeration`) field seen: its items, id -> {name, to: our code where the
    name is our word for one}."""
    return {
        str(f.get("FIELD_NAME")): {
            str(item.get("ID")): {
                "name": item.get("VALUE"),
                "to": _CODES.get(str(item.get("VALUE") or "").strip().casefold()),
            }
            for item in f.get("LIST") or []
            if isinstance(item, dict)
        }
        for f in userfields
        if f.get("USER_TYPE_ID") == "enumeration" and str(f.get("FIELD_NAME")) in seen
    }


def _first(multi: Any) -> str | None:
    if isinstance(multi, list):
        for item in multi:
            if isinstance(item, dict) and str(item.get("VALUE") or "").strip():
                return str(item["VALUE"]).strip()
    return None


def _when(text: Any) -> datetime | None:
    """Bitrix24's ISO 8601 time (`2026-03-01T10:00:00+03:00`), None when absent or bad."""
    try:
        at = datetime.fromisoformat(str(text))
    except ValueError:
        return None
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def history_of(
    deal: dict[str, Any], moves: list[dict[str, Any]], mapping: dict[str, Any], current: str
) -> tuple[datetime, list[dict[str, Any]]]:
    """(created time, the stages it went through oldest first, ending at `current`): unmapped
    stages are left out, a repeat of the same stage is one entry, nothing before creation."""
    created = _when(deal.get("DATE_CREATE")) or datetime.now(UTC)
    entries: list[dict[str, Any]] = []

    def order(move: dict[str, Any]) -> tuple[datetime, int]:
        id_ = str(move.get("ID") or "0")
        return _when(move.get("CREATED_TIME")) or created, int(id_) if id_.isdigit() else 0

    for move in sorted(moves, key=order):
        stage = to_of(mapping, "stages", move.get("STAGE_ID"))
        at = _when(move.get("CREATED_TIME"))
        if stage is None or at is None or (entries and entries[-1]["stage"] == stage):
            continue
        at = max(at, created, *(e["at"] for e in entries))
        entries.append({"stage": stage, "at": at})
    if not entries or entries[-1]["stage"] != current:
        modified = _when(deal.get("DATE_MODIFY")) or created
        at = max(modified, created, *(e["at"] for e in entries))
        entries.append({"stage": current, "at": at})
    return created, entries


def _modified(
    deal: dict[str, Any], contact: dict[str, Any], moves: list[dict[str, Any]]
) -> datetime | None:
    """When the deal, its contact or its stage last changed there (a later import updates
    the deal only when this is newer than what it imported last)."""
    times = [_when(deal.get("DATE_MODIFY")), _when(contact.get("DATE_MODIFY"))]
    times += [_when(m.get("CREATED_TIME")) for m in moves]
    known = [t for t in times if t is not None]
    return max(known) if known else None


def import_of(
    deal: dict[str, Any],
    contacts: dict[str, Any],
    moves: list[dict[str, Any]],
    mapping: dict[str, Any],
    actor: str,
    companies: dict[str, Any] | None = None,
) -> ImportDeal:
    """The ImportDeal a Bitrix24 deal becomes; ValueError saying why it cannot."""
    current = to_of(mapping, "stages", deal.get("STAGE_ID"))
    if current is None:
        raise Skip("stage_not_mapped", stage=deal.get("STAGE_ID"))
    contact = contacts.get(str(deal.get("CONTACT_ID") or ""))
    if contact is None:
        raise Skip("no_contact")
    name = " ".join(
        str(contact[k]).strip() for k in ("NAME", "SECOND_NAME", "LAST_NAME") if contact.get(k)
    )
    person = {
        "name": name or None,
        "phone": _first(contact.get("PHONE")),
        "email": _first(contact.get("EMAIL")),
    }
    if not any(person.values()):
        raise Skip("empty_contact")
    mapped, cleared = carried(deal, contact, mapping, companies or {})
    created, history = history_of(deal, moves, mapping, current)
    data = {
        "actor_id": actor,
        "source": SOURCE,
        "external_id": f"deal-{deal.get('ID')}",
        "contact": {
            **{k: v for k, v in person.items() if v},
            **{k: mapped.pop(k) for k in CONTACT_FIELDS if k in mapped},
        },
        "currency": deal.get("CURRENCY_ID") or None,
        "responsible_id": to_of(mapping, "users", deal.get("ASSIGNED_BY_ID")),
        "comment": deal.get("COMMENTS") or None,
        **mapped,
        "created_at": created,
        "modified_at": _modified(deal, contact, moves),
        "history": history,
        "cleared": cleared,
    }
    try:
        return ImportDeal.model_validate({k: v for k, v in data.items() if v is not None})
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = [str(part) for part in first["loc"]] or ["history"]
        name = ".".join(loc[:2]) if loc[0] == "contact" and len(loc) > 1 else loc[0]
        raise Skip("invalid_field", field=name, value=first.get("input")) from None
