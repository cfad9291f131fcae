"""`crm import bitrix24`: a Bitrix24 portal's deals, with their contacts and stage history.

Reads the portal (`--webhook`) or a folder of its saved answers (`--from`); `--plan FILE`
writes the mapping (stages, users, the deals' and contacts' UF_CRM_* fields) for a person
to check, `--mapping FILE` uses it. Each Bitrix24 deal is imported (ImportDeal: source
`bitrix24`, external id `deal-<ID>`) at its current stage with its stage history, as a real
deal with its current stage's task; one already here is updated when it changed in the
portal since (its DATE_MODIFY, its contact's or a stage move newer), else left unchanged,
so a second run changes nothing. A deal here that the portal no longer has is named in the
report, never deleted (crm_cli.b24_deleted). Everything printed is said through
crm_shared.locale.imports.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
import yaml
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn

from crm_cli import b24_mapping, b24_stages, b24_users
from crm_cli.b24_deleted import deleted
from crm_cli.b24_portal import RATE, Folder, Portal, Source
from crm_cli.b24_report import Rate, Report, refusal, show
from crm_cli.bus import Bus, CliError, Refusal, Reported, connected
from crm_cli.ui import config, err, options, out, print_json, progress, run
from crm_shared.contracts.deal import ImportDeal
from crm_shared.locale.imports import entity, line

app = typer.Typer(help="Перенос данных из другой CRM (Битрикс24).")
IN_FLIGHT = 20
"""Imports in flight at once; deal-service handles several at once, so two deals of one
contact (the same phone or e-mail) are never sent together (it would make the contact
twice)."""


@dataclass
class Portalful:
    """What was read from the portal."""

    stages: list[dict[str, Any]] = field(default_factory=list)
    users: list[dict[str, Any]] = field(default_factory=list)
    contacts: dict[str, dict[str, Any]] = field(default_factory=dict)
    companies: dict[str, dict[str, Any]] = field(default_factory=dict)
    deals: list[dict[str, Any]] = field(default_factory=list)
    moves: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    userfields: list[dict[str, Any]] = field(default_factory=list)
    contact_userfields: list[dict[str, Any]] = field(default_factory=list)


@app.command("bitrix24")
def bitrix24(
    ctx: typer.Context,
    webhook: Annotated[
        str | None,
        typer.Option(help="Адрес входящего вебхука портала: https://портал/rest/1/ключ/"),
    ] = None,
    folder: Annotated[
        Path | None,
        typer.Option("--from", help="Папка сохранённых ответов портала (`метод.json`)."),
    ] = None,
    plan: Annotated[
        Path | None,
        typer.Option(help="Записать сюда план сопоставления (YAML) для проверки и остановиться."),
    ] = None,
    mapping: Annotated[
        Path | None, typer.Option(help="План сопоставления (YAML), по которому импортировать.")
    ] = None,
    rate: Annotated[
        float, typer.Option(help="Запросов к порталу в секунду (у Битрикс24 предел — 2).")
    ] = RATE,
    skip_unmapped: Annotated[
        bool,
        typer.Option(
            "--skip-unmapped",
            help="Импортировать, хотя на несопоставленных стадиях есть сделки (их пропустить).",
        ),
    ] = False,
) -> None:
    """Перенести сделки портала Битрикс24 (с контактами и историей стадий); повторный запуск
    приносит только изменённое."""
    opts = options(ctx)
    if (webhook is None) == (folder is None):
        _usage(line("one_source"))
    if rate <= 0:
        _usage(line("bad_rate"))
    source: Source = Portal(webhook, rate=rate) if webhook else Folder(folder or Path("."))
    actor = opts.actor or next((u.id for u in config().users if u.role == "rop"), "")
    user = config().user_or_none(actor)
    if plan is None and (user is None or user.role != "rop"):
        _usage(line("not_rop", actor=actor or "?"))

    async def main() -> None:
        try:
            read = await read_portal(source)
            planned = b24_mapping.plan(
                config(), read.stages, read.users, read.deals, read.userfields,
                list(read.contacts.values()), read.contact_userfields,
            )  # fmt: skip
            if plan is not None:
                text = yaml.safe_dump(planned, allow_unicode=True, sort_keys=False)
                plan.write_text(b24_mapping.PLAN_HEADER + text, "utf-8")
                out().print(line("plan_written", path=escape(str(plan))))
                lost = b24_stages.unmapped(read.stages, read.deals, planned)
                if lost:
                    b24_stages.tell("unmapped_plan", lost, "unmapped_how")
                b24_users.tell(b24_users.unmapped(read.users, read.deals, planned))
                return
            chosen = _load(mapping) if mapping else planned
            lost = b24_stages.unmapped(read.stages, read.deals, chosen)
            if lost and not skip_unmapped:
                b24_stages.tell("unmapped_refused", lost, "unmapped_how")
                if opts.json:
                    print_json({"code": "stages_not_mapped", "unmapped": lost})
                raise Reported(2)
            b24_users.tell(b24_users.unmapped(read.users, read.deals, chosen))
            async with connected(opts.nats_url) as bus:
                report = await import_deals(bus, read, chosen, actor)
                report.unmapped = lost
                report.unchecked = source.short.get("crm.deal.list")
                if report.unchecked is None:
                    report.deleted = await deleted(bus, source, read.deals, actor)
        finally:
            await source.close()
        show(report, opts.json, {s.code: s.name for s in config().stages})

    run(main())


async def read_portal(source: Source) -> Portalful:
    """Stages, users, contacts, deals and their stage history, with a counter per entity."""
    read = Portalful()
    columns = (TextColumn("{task.description}"), MofNCompleteColumn(), Rate())
    with progress(*columns) as shown:

        async def each(name: str, method: str, params: dict[str, Any]) -> list[dict[str, Any]]:
            task = shown.add_task(escape(name), total=None)
            rows = []
            async for row in source.rows(method, params):
                if isinstance(row, dict):
                    rows.append(row)
                shown.advance(task)
            return rows

        read.stages = await each(
            entity("stages"), "crm.status.list", {"filter": {"ENTITY_ID": "DEAL_STAGE"}}
        )
        for category in await each(entity("categories"), "crm.dealcategory.list", {}):
            read.stages += await each(
                entity("category_stages", name=category.get("NAME")),
                "crm.dealcategory.stage.list",
                {"id": category.get("ID")},
            )
        read.users = await each(entity("users"), "user.get", {})
        labels = {"filter": {"LANG": "ru"}}  # the fields' labels in Russian, as text
        read.userfields = await each(entity("userfields"), "crm.deal.userfield.list", labels)
        read.contact_userfields = await each(
            entity("contact_userfields"), "crm.contact.userfield.list", labels
        )
        contacts = await each(
            entity("contacts"), "crm.contact.list", {"select": ["*", "UF_*", "PHONE", "EMAIL"]}
        )
        read.contacts = {str(c.get("ID")): c for c in contacts}
        companies = await each(entity("companies"), "crm.company.list", {"select": ["ID", "TITLE"]})
        read.companies = {str(c.get("ID")): c for c in companies}
        read.deals = await each(entity("deals"), "crm.deal.list", {"select": ["*", "UF_*"]})
        moves = await each(
            entity("history"), "crm.stagehistory.list", {"entityTypeId": 2, "order": {"ID": "ASC"}}
        )
    by_deal: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for move in moves:
        by_deal[str(move.get("OWNER_ID"))].append(move)
    read.moves = dict(by_deal)
    return read


def _contact_keys(cmd: ImportDeal) -> list[str]:
    """What deal-service finds a contact by (the phone's last ten digits, the e-mail), sorted
    (the locks taken in one order)."""
    keys = []
    if cmd.contact.phone:
        keys.append("phone:" + re.sub(r"\D", "", cmd.contact.phone)[-10:])
    if cmd.contact.email:
        keys.append("email:" + str(cmd.contact.email).casefold())
    return sorted(keys)


def _usage(text: str) -> NoReturn:
    """A command line this command cannot run: said in Russian, exit 2 (as a usage error)."""
    err().print(f"[red]ошибка:[/] {escape(text)}")
    raise typer.Exit(2)


def _load(path: Path) -> dict[str, Any]:
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CliError(line("mapping_unreadable", path=path, problem=exc), 2) from None
    if not isinstance(loaded, dict):
        raise CliError(line("mapping_not_dict", path=path), 2)
    return loaded


async def import_deals(bus: Bus, read: Portalful, mapping: dict[str, Any], actor: str) -> Report:
    """Import every deal (IN_FLIGHT at once, one contact's deals one after another); a bad
    row is skipped with its reason."""
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
        except b24_mapping.Skip as skip:
            report.skipped[key] = skip.report()

    held: dict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
    room = asyncio.Semaphore(IN_FLIGHT)

    async def one(cmd: ImportDeal) -> None:
        try:
            async with room, contextlib.AsyncExitStack() as stack:
                for key in _contact_keys(cmd):
                    await stack.enter_async_context(held[key])
                reply = await bus.ask(cmd)
        except Refusal as refused:
            report.skipped[cmd.external_id] = refusal(refused.error)
            return
        if reply.imported:
            report.imported.append(cmd.external_id)
        elif reply.updated:
            report.updated[cmd.external_id] = reply.changed
        else:
            report.unchanged.append(cmd.external_id)
        if reply.missing:
            report.missing[cmd.external_id] = reply.missing

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with progress(*columns, Rate()) as shown:
        task = shown.add_task(entity("importing"), total=len(commands))

        async def counted(cmd: ImportDeal) -> None:
            await one(cmd)
            shown.advance(task)

        await asyncio.gather(*(counted(cmd) for cmd in commands))
    order = {cmd.external_id: i for i, cmd in enumerate(commands)}
    for done in (report.imported, report.unchanged):
        done.sort(key=lambda key: order.get(key, 0))
    report.updated = dict(sorted(report.updated.items(), key=lambda kv: order.get(kv[0], 0)))
    with_deals = {str(d.get("CONTACT_ID")) for d in read.deals}
    for cid in read.contacts:
        if cid not in with_deals:
            report.skipped[f"contact-{cid}"] = {"code": "contact_without_deal", "params": {}}
    return report
