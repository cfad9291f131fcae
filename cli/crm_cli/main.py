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

app = typer.Typer(
    name="crm",
    help="The sales-funnel CRM from the terminal, over its event API (NATS).",
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
            help="NATS server URL, with its user and password (default: `make run`'s, as "
            "the crm-cli user with the password it made under .crm-data/run).",
        ),
    ] = None,
    actor: Annotated[
        str | None,
        typer.Option(
            "--as",
            envvar="CRM_ACTOR",
            help="User id acting in commands and queries: every answer is in that user's scope "
            "(a manager with access: own sees only their own deals and tasks).",
        ),
    ] = None,
    json_: Annotated[bool, typer.Option("--json", help="Print raw JSON replies.")] = False,
    wide: Annotated[
        bool, typer.Option("--wide", help="Tables with every column, as wide as they need.")
    ] = False,
) -> None:
    """Options that apply to every command."""
    ctx.obj = Options(
        nats_url=nats_url or dev_nats_url(),
        actor=actor,
        json=json_,
        wide=wide,
        nats_given=nats_url is not None,
    )
    ui.read_as(actor)
