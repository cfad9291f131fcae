"""The `crm` command: global options, then one group per part of the CRM.

crm --as mgr-1 deal move D-42 OFFER_MADE
crm --as rop-1 report funnel --from 2026-01-01 --to 2026-02-01
crm --as rop-1 rules try stricter.yaml --since 90d
crm events tail --subject 'crm.deal.>'
crm --as rop-1 delivery retry --all
crm dlq list; crm dlq replay 17 (or --all)
crm --as rop-1 contact export C-1; crm --as rop-1 contact erase C-1
crm backup --to backups; crm restore backups/crm-backup-….tar --start
"""

from __future__ import annotations

from typing import Annotated

import typer

from crm_cli import (
    b24_import,
    contacts,
    deals,
    deliveries,
    dlq,
    events,
    inbox,
    leads,
    report,
    rules,
    tasks,
    ui,
)
from crm_cli.backup import commands as backup_commands
from crm_cli.ui import Options, dev_nats_url
from crm_shared.locale.commandline import speak_russian

# Typer's and its click's own words (help panels, usage, errors) in Russian.
speak_russian()

app = typer.Typer(
    name="crm",
    help="CRM воронки продаж из терминала, через её событийный API (NATS). Говорит "
    "по-русски; для программ — --json (коды и время UTC).",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(leads.app, name="lead")
app.add_typer(deals.app, name="deal")
app.add_typer(tasks.app, name="task")
app.add_typer(inbox.app, name="inbox")
app.add_typer(report.app, name="report")
app.add_typer(rules.app, name="rules")
app.add_typer(events.app, name="events")
app.add_typer(deliveries.app, name="delivery")
app.add_typer(dlq.app, name="dlq")
app.add_typer(contacts.app, name="contact")
app.command("backup")(backup_commands.backup)
app.command("restore")(backup_commands.restore_)
app.add_typer(b24_import.app, name="import")


@app.callback()
def root(
    ctx: typer.Context,
    nats_url: Annotated[
        str | None,
        typer.Option(
            "--nats",
            envvar="CRM_NATS_URL",
            help="Адрес сервера NATS с пользователем и паролем (по умолчанию — NATS из "
            "`make run` с паролем, который тот создал).",
        ),
    ] = None,
    actor: Annotated[
        str | None,
        typer.Option(
            "--as",
            envvar="CRM_ACTOR",
            help="Id пользователя, от имени которого команды и запросы: ответ — в пределах того, "
            "что ему видно (менеджер, которому открыты только свои сделки, видит только их).",
        ),
    ] = None,
    json_: Annotated[
        bool,
        typer.Option("--json", help="Ответы как есть, в JSON (для программ: коды и время UTC)."),
    ] = False,
    wide: Annotated[bool, typer.Option("--wide", help=ui.WIDE_HELP)] = False,
) -> None:
    """Параметры для всех команд."""
    ctx.obj = Options(
        nats_url=nats_url or dev_nats_url(),
        actor=actor,
        json=json_,
        wide=wide,
        nats_given=nats_url is not None,
    )
    ui.read_as(actor)
