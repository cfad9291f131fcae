"""`crm contact export / erase`: a person's data (152-ФЗ, GDPR), over the event API.

`export` prints, as JSON, everything the system holds about one contact: the contact, its
deals with their fields, stage history and story (notes, the field journal's values,
contact attempts, approvals), their tasks with their comments, and every user's
notifications about those deals. `erase` replaces the contact's personal fields and the
free texts about them in every service (EraseContact; docs/operations.md#a-persons-data).
Both need a user who sees every deal (the РОП).
"""

from __future__ import annotations

import sys
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from rich.markup import escape

from crm_cli.bus import Bus, CliError, as_json, connected
from crm_cli.paging import collect
from crm_cli.ui import err, options, out, print_json, run
from crm_shared.contracts.deal import DealHistory, DealTimeline, EraseContact, ListDeals
from crm_shared.contracts.notify import NotificationsAbout
from crm_shared.contracts.task import ListTasks

app = typer.Typer(help="Персональные данные: выгрузить всё о контакте или стереть.")

Contact = Annotated[str, typer.Argument(metavar="CONTACT", help="Id контакта.")]
STORY_PAGE = 200  # the largest page of crm.query.deal.timeline

# What `erase` erased, as deal-service's EraseContact does (adapters/erasure.py).
ERASED_WHAT = (
    "имя, телефон и e-mail; в его сделках ({deals}) — названия, Требования, адреса доставки, "
    "комментарии лидов, заметки в ленте и к попыткам связи, причины отказов в согласовании, "
    "прежние и новые значения этих полей и контакта в журнале изменений; в задачах и "
    "уведомлениях — имя и названия сделок там, где они написаны как в карточке. Суммы, "
    "стадии, даты, кто что делал, комментарии к задачам и к проигрышу остались, как и "
    "названия задач, где имя набрано иначе («Позвонить Ивану Петрову»): проверьте их в "
    "выгрузке"
)


async def story(bus: Bus, actor: str, deal_id: str) -> list[dict[str, Any]]:
    """The deal's whole story (DealTimeline, page by page), newest first."""
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        page = as_json(
            await bus.ask(
                DealTimeline(actor_id=actor, deal_id=deal_id, limit=STORY_PAGE, cursor=cursor)
            )
        )
        items += page["items"]
        cursor = page.get("next_cursor")
        if not cursor:
            return items


async def gather(bus: Bus, actor: str, contact_id: str) -> dict[str, Any]:
    """What the system holds about the contact, as the export prints it."""
    deals = await collect(bus, ListDeals, {"actor_id": actor, "contact_id": contact_id}, None)
    if not deals:
        raise CliError(f"Нет сделок с контактом «{contact_id}» (или ни одной, видной вам).", 1)
    ids = [d["id"] for d in deals]
    for deal in deals:
        history = await bus.ask(DealHistory(actor_id=actor, deal_id=deal["id"]))
        deal["history"] = as_json(history)["items"]
        deal["story"] = await story(bus, actor, deal["id"])
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
    """Всё об одном контакте в JSON: контакт, сделки с их лентой, задачи, уведомления."""
    opts = options(ctx)

    async def main() -> None:
        actor = opts.need_actor()
        async with connected(opts.nats_url) as bus:
            print_json(await gather(bus, actor, contact_id))

    run(main())


@app.command("erase")
def erase(
    ctx: typer.Context,
    contact_id: Contact,
    yes: Annotated[
        bool, typer.Option("--yes", help="не спрашивать подтверждения (для сценариев)")
    ] = False,
) -> None:
    """Стереть персональные поля контакта и тексты о нём во всех сервисах; суммы остаются.
    Это не отменить: спрашивает подтверждение (без терминала нужен --yes)."""
    opts = options(ctx)
    if not yes:
        confirm_erasure(contact_id)

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
        what = ERASED_WHAT.format(deals=len(deals))
        out().print(f"контакт {escape(contact_id)} стёрт во всех сервисах: {what}", soft_wrap=True)

    run(main())


def confirm_erasure(contact_id: str) -> None:
    """Ask before an erasure, which cannot be undone (a walkthrough: it ran at once); without
    a terminal to ask on, refuse unless `--yes` said it."""
    if not sys.stdin.isatty():
        err().print("ошибка: стирание не отменить; подтвердите его флагом --yes")
        raise typer.Exit(2)
    asked = f"Стереть данные контакта {contact_id} во всех сервисах? Это не отменить. [да/нет] "
    if input(asked).strip().casefold() not in ("да", "д", "yes", "y"):
        err().print("не стёрто")
        raise typer.Exit(1)
