"""`crm contact export / erase`: a person's data (152-ФЗ, GDPR), over the event API.

`export` prints, as JSON, everything the system holds about one contact: the contact, its
deals with their stage history, their tasks with their comments, and every user's
notifications about those deals. `erase` replaces the contact's personal fields in every
service (EraseContact; docs/operations.md#a-persons-data). Both need a user
who sees every deal (the РОП).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from rich.markup import escape

from crm_cli.bus import Bus, CliError, as_json, connected
from crm_cli.paging import collect
from crm_cli.ui import options, out, print_json, run
from crm_shared.contracts.deal import DealHistory, EraseContact, ListDeals
from crm_shared.contracts.notify import NotificationsAbout
from crm_shared.contracts.task import ListTasks

app = typer.Typer(help="Персональные данные: выгрузить всё о контакте или стереть.")

Contact = Annotated[str, typer.Argument(metavar="CONTACT", help="Id контакта.")]


async def gather(bus: Bus, actor: str, contact_id: str) -> dict[str, Any]:
    """What the system holds about the contact, as the export prints it."""
    deals = await collect(bus, ListDeals, {"actor_id": actor, "contact_id": contact_id}, None)
    if not deals:
        raise CliError(f"Нет сделок с контактом «{contact_id}» (или ни одной, видной вам).", 1)
    ids = [d["id"] for d in deals]
    for deal in deals:
        history = await bus.ask(DealHistory(actor_id=actor, deal_id=deal["id"]))
        deal["history"] = as_json(history)["items"]
    tasks = await collect(bus, ListTasks, {"actor_id": actor, "deal_ids": ids}, None)
    notes = as_json(await bus.ask(NotificationsAbout(actor_id=actor, deal_ids=ids)))
    return {
        "exported_at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "contact": deals[0].get("contact"),
        "deals": deals,
        "tasks": tasks,
        "notifications": notes["items"],
    }


@app.command("export")
def export(ctx: typer.Context, contact_id: Contact) -> None:
    """Всё об одном контакте в JSON: контакт, сделки, задачи, уведомления."""
    opts = options(ctx)

    async def main() -> None:
        actor = opts.need_actor()
        async with connected(opts.nats_url) as bus:
            print_json(await gather(bus, actor, contact_id))

    run(main())


@app.command("erase")
def erase(ctx: typer.Context, contact_id: Contact) -> None:
    """Стереть персональные поля контакта во всех сервисах; сделки и суммы остаются."""
    opts = options(ctx)

    async def main() -> None:
        cmd = EraseContact(
            actor_id=opts.need_actor(), contact_id=contact_id, request_id=str(uuid.uuid4())
        )
        async with connected(opts.nats_url) as bus:
            reply = as_json(await bus.ask(cmd))
        if opts.json:
            print_json(reply)
            return
        deals = reply["deal_ids"]
        out().print(
            f"контакт {escape(contact_id)} стёрт во всех сервисах: имя, телефон и e-mail, "
            f"названия и заметки его сделок ({len(deals)})",
            soft_wrap=True,
        )

    run(main())
