"""`crm import bitrix24`: a Bitrix24 portal's deals, with their contacts and stage history.

Reads the portal (`--webhook`) or a folder of its saved answers (`--from`); `--plan FILE`
writes the mapping (stages, users, UF_CRM_* fields) for a person to check, `--mapping FILE`
uses it. Each Bitrix24 deal is imported (ImportDeal: source `bitrix24`, external id
`deal-<ID>`) at its current stage with its stage history, as a real deal with its current
stage's task; one already here is left unchanged, so a second run changes nothing.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn

from crm_cli import b24_mapping
from crm_cli.b24_portal import Folder, Portal, Source
from crm_cli.bus import Bus, CliError, Refusal, connected
from crm_cli.ui import config, err, field_names, options, out, print_json, progress, run
from crm_shared.contracts.deal import ImportDeal

app = typer.Typer(help="Перенос данных из другой CRM (Битрикс24).")
CHUNK = 20
"""Imports in flight at once."""


@dataclass
class Portalful:
    """What was read from the portal."""

    stages: list[dict[str, Any]] = field(default_factory=list)
    users: list[dict[str, Any]] = field(default_factory=list)
    contacts: dict[str, dict[str, Any]] = field(default_factory=dict)
    companies: dict[str, dict[str, Any]] = field(default_factory=dict)
    deals: list[dict[str, Any]] = field(default_factory=list)
    moves: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


@dataclass
class Report:
    """Per deal: imported, unchanged, or skipped with the reason."""

    imported: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    missing: dict[str, list[str]] = field(default_factory=dict)
    """What the current stage requires and the deal lacks (reported, not enforced)."""


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
) -> None:
    """Import a Bitrix24 portal's deals (contacts, stage history); idempotent."""
    opts = options(ctx)
    if (webhook is None) == (folder is None):
        raise typer.BadParameter("give one of --webhook URL or --from DIR")
    source: Source = Portal(webhook) if webhook else Folder(folder or Path("."))
    actor = opts.actor or next((u.id for u in config().users if u.role == "rop"), "")
    user = config().user_or_none(actor)
    if plan is None and (user is None or user.role != "rop"):
        raise typer.BadParameter(f"импортирует РОП: --as {actor or '?'} не РОП в конфигурации")

    async def main() -> None:
        try:
            read = await _read(source)
        finally:
            await source.close()
        planned = b24_mapping.plan(config(), read.stages, read.users, read.deals)
        if plan is not None:
            text = yaml.safe_dump(planned, allow_unicode=True, sort_keys=False)
            plan.write_text(b24_mapping.PLAN_HEADER + text, "utf-8")
            out().print(f"[green]✓[/] план сопоставления записан в {escape(str(plan))}")
            return
        chosen = _load(mapping) if mapping else planned
        async with connected(opts.nats_url) as bus:
            report = await _import(bus, read, chosen, actor)
        _print(report, opts.json)

    run(main())


async def _read(source: Source) -> Portalful:
    """Stages, users, contacts, deals and their stage history, with a counter per entity."""
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
        for category in await each("воронки", "crm.dealcategory.list", {}):
            read.stages += await each(
                f"стадии воронки «{category.get('NAME')}»",
                "crm.dealcategory.stage.list",
                {"id": category.get("ID")},
            )
        read.users = await each("пользователи", "user.get", {})
        contacts = await each("контакты", "crm.contact.list", {"select": ["*", "PHONE", "EMAIL"]})
        read.contacts = {str(c.get("ID")): c for c in contacts}
        companies = await each("компании", "crm.company.list", {"select": ["ID", "TITLE"]})
        read.companies = {str(c.get("ID")): c for c in companies}
        read.deals = await each("сделки", "crm.deal.list", {"select": ["*", "UF_*"]})
        moves = await each(
            "история стадий", "crm.stagehistory.list", {"entityTypeId": 2, "order": {"ID": "ASC"}}
        )
    by_deal: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for move in moves:
        by_deal[str(move.get("OWNER_ID"))].append(move)
    read.moves = dict(by_deal)
    return read


def _load(path: Path) -> dict[str, Any]:
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CliError(f"{path}: сопоставление не прочитано ({exc})", 2) from None
    if not isinstance(loaded, dict):
        raise CliError(f"{path}: ожидался словарь stages/users/fields", 2)
    return loaded


async def _import(bus: Bus, read: Portalful, mapping: dict[str, Any], actor: str) -> Report:
    """Import every deal (CHUNK at a time); a bad row is skipped with its reason."""
    report = Report()
    commands: list[ImportDeal] = []
    for deal in read.deals:
        key = f"deal-{deal.get('ID')}"
        try:
            commands.append(
                b24_mapping.import_of(
                    deal,
                    read.contacts,
                    read.moves.get(str(deal.get("ID")), []),
                    mapping,
                    actor,
                    read.companies,
                )
            )
        except ValueError as exc:
            report.skipped[key] = str(exc)

    async def one(cmd: ImportDeal) -> None:
        try:
            reply = await bus.ask(cmd)
        except Refusal as refused:
            report.skipped[cmd.external_id] = str(refused)
            return
        (report.imported if reply.imported else report.unchanged).append(cmd.external_id)
        if reply.missing:
            report.missing[cmd.external_id] = reply.missing

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with progress(*columns, TextColumn("{task.speed}")) as shown:
        task = shown.add_task("сделки", total=len(commands))
        for start in range(0, len(commands), CHUNK):
            chunk = commands[start : start + CHUNK]
            await asyncio.gather(*(one(cmd) for cmd in chunk))
            shown.advance(task, len(chunk))
    with_deals = {str(d.get("CONTACT_ID")) for d in read.deals}
    for cid in read.contacts:
        if cid not in with_deals:
            report.skipped[f"contact-{cid}"] = "контакт без сделки: контакты приходят со сделками"
    return report


def _print(report: Report, as_json: bool) -> None:
    if as_json:
        print_json(
            {
                "imported": report.imported,
                "unchanged": report.unchanged,
                "skipped": report.skipped,
                "missing": report.missing,
            }
        )
        return
    out().print(
        f"[green]✓[/] импортировано {len(report.imported)}, без изменений "
        f"{len(report.unchanged)}, пропущено {len(report.skipped)}"
    )
    for key, why in report.skipped.items():
        err().print(f"[yellow]![/] {escape(key)}: {escape(why)}")
    if report.missing:
        err().print(
            f"{len(report.missing)} сделок без полей, которых требует их стадия (не проверялось"
            " при импорте; понадобятся при следующем переходе вперёд):"
        )
    for key, names in report.missing.items():
        err().print(f"  {escape(key)}: {escape(field_names(names))}")
