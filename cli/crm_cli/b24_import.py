"""`crm import bitrix24`: a Bitrix24 portal's deals and contacts brought over as leads.

Reads the portal (`--webhook`) or a folder of its saved answers (`--from`); `--plan FILE`
writes the mapping (stages, users, UF_CRM_* fields) for a person to check, `--mapping FILE`
uses it. Each Bitrix24 deal is published as a lead (`crm.lead.received`, source `bitrix24`,
external id `deal-<ID>`), so it becomes a real deal through the same rules and storage as
any lead, with its entry stage's task; deals already here (by that external id) are left
unchanged, so a second run changes nothing.

Not done yet (see docs/bitrix24-import.md): the current stage, created time and stage
history are not applied (deal-service has no command that sets them without today's rules),
and a deal changed in Bitrix24 after its import is not updated.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from pydantic import ValidationError
from rich.markup import escape
from rich.progress import MofNCompleteColumn, TextColumn

from crm_cli.b24_portal import Folder, Portal, Source
from crm_cli.bus import Bus, CliError, connected
from crm_cli.leads import _publish
from crm_cli.paging import collect
from crm_cli.ui import config, err, options, out, print_json, progress, run
from crm_shared.contracts.commands import ListDeals
from crm_shared.contracts.envelope import CloudEvent
from crm_shared.contracts.events import LeadReceived

app = typer.Typer(help="Import from another CRM.")
SOURCE = "bitrix24"
LEAD_FIELDS = ("subject", "requirements", "comment")
"""Our fields a UF_CRM_* field may be mapped to (the lead carries these)."""
PLAN_HEADER = (
    "# crm import bitrix24 --mapping <this file>. Check every `to`:\n"
    "# stages: our stage code (not applied yet: deals start at the first stage);\n"
    "# users: our user id (the deal's responsible; empty: distributed by our rules);\n"
    f"# fields: UF_CRM_* -> {' | '.join(LEAD_FIELDS)} (empty: not carried).\n"
)


@dataclass
class Portalful:
    """What was read from the portal."""

    stages: list[dict[str, Any]] = field(default_factory=list)
    users: list[dict[str, Any]] = field(default_factory=list)
    contacts: dict[str, dict[str, Any]] = field(default_factory=dict)
    deals: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Report:
    """Per deal: imported, unchanged, or skipped with the reason."""

    imported: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)


@app.command("bitrix24")
def bitrix24(
    ctx: typer.Context,
    webhook: Annotated[
        str | None, typer.Option(help="https://<portal>/rest/<user>/<key>/ (incoming webhook)")
    ] = None,
    folder: Annotated[
        Path | None, typer.Option("--from", help="A folder of saved answers (<method>.json).")
    ] = None,
    plan: Annotated[
        Path | None, typer.Option(help="Write the mapping YAML here for a person to check; stop.")
    ] = None,
    mapping: Annotated[Path | None, typer.Option(help="The mapping YAML to import with.")] = None,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the deals.")] = 60.0,
) -> None:
    """Import a Bitrix24 portal's deals (with their contacts) as leads; idempotent."""
    opts = options(ctx)
    if (webhook is None) == (folder is None):
        raise typer.BadParameter("give one of --webhook URL or --from DIR")
    source: Source = Portal(webhook) if webhook else Folder(folder or Path("."))

    async def main() -> None:
        try:
            read = await _read(source)
        finally:
            await source.close()
        planned = _plan(read)
        if plan is not None:
            text = yaml.safe_dump(planned, allow_unicode=True, sort_keys=False)
            plan.write_text(PLAN_HEADER + text, "utf-8")
            out().print(f"[green]✓[/] план сопоставления записан в {escape(str(plan))}")
            return
        chosen = _load(mapping) if mapping else planned
        async with connected(opts.nats_url) as bus:
            report = await _import(bus, read, chosen, opts.actor, timeout)
        _print(report, opts.json)

    run(main())


async def _read(source: Source) -> Portalful:
    """Stages, users, contacts and deals, with a counter per entity."""
    read = Portalful()
    columns = (TextColumn("{task.description}"), MofNCompleteColumn(), TextColumn("{task.speed}"))
    with progress(*columns) as shown:

        async def each(name: str, method: str, params: dict[str, Any]) -> list[dict[str, Any]]:
            task = shown.add_task(name, total=None)
            rows = []
            async for row in source.rows(method, params):
                if isinstance(row, dict):
                    rows.append(row)
                shown.advance(task)
            return rows

        read.stages = await each(
            "стадии", "crm.status.list", {"filter": {"ENTITY_ID": "DEAL_STAGE"}}
        )
        read.users = await each("пользователи", "user.get", {})
        contacts = await each("контакты", "crm.contact.list", {"select": ["*", "PHONE", "EMAIL"]})
        read.contacts = {str(c.get("ID")): c for c in contacts}
        read.deals = await each("сделки", "crm.deal.list", {"select": ["*", "UF_*"]})
    return read


def _plan(read: Portalful) -> dict[str, Any]:
    """Stages and users matched by name where they match, UF_CRM_* fields listed unmapped."""
    cfg = config()
    our_stages = {s.name.casefold(): s.code for s in cfg.pipeline.stages}
    our_users = {u.name.casefold(): u.id for u in cfg.users}
    stages = {
        str(s.get("STATUS_ID")): {
            "name": s.get("NAME"),
            "to": our_stages.get(str(s.get("NAME", "")).strip().casefold()),
        }
        for s in read.stages
    }
    users = {}
    for u in read.users:
        name = " ".join(str(u.get(k) or "") for k in ("NAME", "LAST_NAME")).strip()
        users[str(u.get("ID"))] = {"name": name, "to": our_users.get(name.casefold())}
    uf = sorted({k for d in read.deals for k in d if str(k).startswith("UF_CRM_")})
    return {"stages": stages, "users": users, "fields": dict.fromkeys(uf)}


def _load(path: Path) -> dict[str, Any]:
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CliError(f"{path}: сопоставление не прочитано ({exc})", 2) from None
    if not isinstance(loaded, dict):
        raise CliError(f"{path}: ожидался словарь stages/users/fields", 2)
    return loaded


def _first(multi: Any) -> str | None:
    if isinstance(multi, list):
        for item in multi:
            if isinstance(item, dict) and str(item.get("VALUE") or "").strip():
                return str(item["VALUE"]).strip()
    return None


def lead_of(
    deal: dict[str, Any],
    contacts: dict[str, Any],
    users: dict[str, Any],
    fields: dict[str, Any] | None = None,
) -> LeadReceived:
    """The lead a Bitrix24 deal becomes (UF_CRM_* fields as the mapping's `fields` says, into
    subject, requirements or comment); ValueError saying why it cannot."""
    contact = contacts.get(str(deal.get("CONTACT_ID") or ""))
    if contact is None:
        raise ValueError("у сделки нет контакта (CONTACT_ID пуст или контакт не найден)")
    name = " ".join(
        str(contact.get(k)).strip() for k in ("NAME", "SECOND_NAME", "LAST_NAME") if contact.get(k)
    )
    person = {
        "name": name or None,
        "phone": _first(contact.get("PHONE")),
        "email": _first(contact.get("EMAIL")),
    }
    if not any(person.values()):
        raise ValueError("у контакта нет ни имени, ни телефона, ни e-mail")
    responsible = (users.get(str(deal.get("ASSIGNED_BY_ID"))) or {}).get("to")
    mapped = {
        to: str(deal[uf]).strip()
        for uf, to in (fields or {}).items()
        if to in LEAD_FIELDS and deal.get(uf) not in (None, "", [])
    }
    data = {
        "source": SOURCE,
        "external_id": f"deal-{deal.get('ID')}",
        "contact": {k: v for k, v in person.items() if v},
        "title": deal.get("TITLE") or None,
        "amount": deal.get("OPPORTUNITY") or None,
        "currency": deal.get("CURRENCY_ID") or None,
        "responsible_id": responsible,
        "comment": deal.get("COMMENTS") or None,
        **mapped,
    }
    try:
        return LeadReceived.model_validate({k: v for k, v in data.items() if v is not None})
    except ValidationError as exc:
        why = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ValueError(why) from None


async def _import(
    bus: Bus, read: Portalful, mapping: dict[str, Any], actor: str | None, timeout: float
) -> Report:
    """Publish the deals not yet here; the report of every one."""
    report = Report()
    rop = actor or next((u.id for u in config().users if u.role == "rop"), None)
    existing = await collect(bus, ListDeals, {"actor_id": rop}, None)
    here = {d.get("external_id") for d in existing if d.get("source") == SOURCE}
    users = mapping.get("users") or {}
    events = []
    for deal in read.deals:
        key = f"deal-{deal.get('ID')}"
        if key in here:
            report.unchanged.append(key)
            continue
        try:
            lead = lead_of(deal, read.contacts, users, mapping.get("fields"))
        except ValueError as exc:
            report.skipped[key] = str(exc)
            continue
        events.append(
            CloudEvent(
                source="crm-cli/import-bitrix24",
                type=LeadReceived.TYPE,
                subject=lead.external_id,
                data=lead.model_dump(mode="json", exclude_none=True),
            )
        )
    if events:
        made, failed = await _publish(bus, events, True, timeout)
        for e in events:
            ext = e.data["external_id"]
            if ext in made:
                report.imported.append(ext)
            else:
                report.skipped[ext] = failed.get(ext, f"сделка не появилась за {timeout:g} с")
    with_deals = {str(d.get("CONTACT_ID")) for d in read.deals}
    for cid in read.contacts:
        if cid not in with_deals:
            report.skipped[f"contact-{cid}"] = "контакт без сделки: контакты приходят со сделками"
    return report


def _print(report: Report, as_json: bool) -> None:
    if as_json:
        print_json(
            {"imported": report.imported, "unchanged": report.unchanged, "skipped": report.skipped}
        )
        return
    out().print(
        f"[green]✓[/] импортировано {len(report.imported)}, без изменений "
        f"{len(report.unchanged)}, пропущено {len(report.skipped)}"
    )
    for key, why in report.skipped.items():
        err().print(f"[yellow]![/] {escape(key)}: {escape(why)}")
    err().print(
        "стадия, дата создания и история стадий из Bitrix24 пока не переносятся: сделки "
        "начинают с первой стадии"
    )
