"""`crm deal create` and `crm deal contact-attempt`: a manager's work on a deal besides moving
it (registered on the `deal` group by `crm_cli.deals`)."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.markup import escape

from crm_cli.bus import as_json, connected
from crm_cli.ids import resolve
from crm_cli.ui import options, out, print_json, run, stage_name
from crm_shared.contracts.deal import CreateDeal, LogContactAttempt


def create(
    ctx: typer.Context,
    contact_id: Annotated[
        str | None, typer.Option(help="Существующий контакт (см. `crm deal show`).")
    ] = None,
    name: Annotated[str | None, typer.Option(help="Имя контакта (новый контакт).")] = None,
    phone: Annotated[str | None, typer.Option(help="Телефон контакта.")] = None,
    email: Annotated[str | None, typer.Option(help="E-mail контакта.")] = None,
    title: Annotated[str | None, typer.Option(help="Название.")] = None,
    amount: Annotated[str | None, typer.Option(help="Сумма, например 15000.00.")] = None,
    currency: Annotated[str | None, typer.Option(help="Валюта (ISO 4217).")] = None,
    subject: Annotated[str | None, typer.Option(help="Предмет сделки.")] = None,
    requirements: Annotated[str | None, typer.Option(help="Требования.")] = None,
    delivery: Annotated[str | None, typer.Option(help="Способ доставки: delivery|pickup.")] = None,
    company: Annotated[str | None, typer.Option(help="Компания.")] = None,
    responsible: Annotated[
        str | None, typer.Option(help="Ответственный (по умолчанию — вы, если вы менеджер).")
    ] = None,
    rop: Annotated[
        str | None, typer.Option(help="РОП (по умолчанию — указанный в настройках).")
    ] = None,
) -> None:
    """Создать сделку вручную в «Новый лид» — на существующий контакт или новый.

    Если телефон или e-mail уже есть у известного контакта, сделка будет на нём.
    """
    opts = options(ctx)
    person = {"name": name, "phone": phone, "email": email}
    if contact_id is not None and any(person.values()):
        raise typer.BadParameter("укажите --contact-id или данные нового контакта, не то и другое")
    fields = {
        "contact_id": contact_id,
        "title": title,
        "amount": amount,
        "currency": currency,
        "subject": subject,
        "requirements": requirements,
        "delivery_method": delivery,
        "company": company,
        "responsible_id": responsible,
        "rop_id": rop,
    }
    body: dict[str, Any] = {k: v for k, v in fields.items() if v is not None}
    if any(person.values()):
        body["contact"] = {k: v for k, v in person.items() if v is not None}

    async def main() -> None:
        async with connected(opts.nats_url) as bus:
            reply = as_json(await bus.send(CreateDeal, {"actor_id": opts.need_actor(), **body}))
        deal = reply["deal"]
        if opts.json:
            print_json(reply)
            return
        contact = deal.get("contact") or {}
        out().print(
            f"[green]✓[/] сделка {escape(deal['id'])} «{escape(stage_name(deal['stage']))}», "
            f"ответственный {escape(str(deal.get('responsible_id') or '—'))}, "
            f"контакт {escape(str(contact.get('name') or contact.get('id') or '—'))}"
        )

    run(main())


def contact_attempt(
    ctx: typer.Context,
    given: Annotated[str, typer.Argument(metavar="DEAL", help="Id сделки или его начало.")],
    note: Annotated[
        str | None, typer.Option("--note", "-m", help="Что случилось (не берёт трубку…).")
    ] = None,
) -> None:
    """Записать неудачную попытку связаться с клиентом на текущей стадии сделки.

    Три попытки на одной стадии и согласие РОП сделки позволяют перевести её в «Перестал
    выходить на связь»; в новой стадии счёт начинается заново.
    """
    opts = options(ctx)

    async def main() -> None:
        actor = opts.need_actor()
        async with connected(opts.nats_url) as bus:
            body: dict[str, Any] = {
                "actor_id": actor,
                "deal_id": await resolve(bus, "deal", given, actor),
            }
            if note is not None:
                body["note"] = note
            reply = as_json(await bus.send(LogContactAttempt, body))
        deal = reply["deal"]
        if opts.json:
            print_json(reply)
            return
        out().print(
            f"[green]✓[/] {escape(deal['id'])}: попыток связаться на стадии "
            f"«{escape(stage_name(deal['stage']))}»: {deal['contact_attempts']}"
        )

    run(main())
