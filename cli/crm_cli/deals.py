"""`crm deal list / show / create / move / update / contact-attempt`: deals through
deal-service's queries and commands (`GetDeal`, `MoveDeal`, ...)."""

from __future__ import annotations

from typing import Annotated, Any, NoReturn

import typer
from rich.console import Group, RenderableType
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from crm_cli import deal_work
from crm_cli.bus import CliError, Refusal, Reported, as_json, connected
from crm_cli.ids import resolve
from crm_cli.paging import collect
from crm_cli.render import deal_panel, deals_table, when
from crm_cli.ui import (
    Wide,
    config,
    err,
    field_names,
    options,
    out,
    person,
    print_json,
    print_table,
    run,
    stage_name,
    width,
)
from crm_shared.contracts.deal import GetDeal, ListDeals, MoveDeal, UpdateDeal
from crm_shared.contracts.task import ListTasks
from crm_shared.locale import count, say

app = typer.Typer(
    help="Сделки: список, карточка, создание вручную, переход по воронке, изменение полей, "
    "неудачные попытки связаться."
)


@app.command("list")
def list_deals(
    ctx: typer.Context,
    stage: Annotated[str | None, typer.Option(help="Только эта стадия (код или название).")] = None,
    responsible: Annotated[str | None, typer.Option(help="Только сделки этого менеджера.")] = None,
    contact: Annotated[str | None, typer.Option(help="Только сделки этого контакта.")] = None,
    limit: Annotated[int, typer.Option(help="Не больше стольких (сначала новые).")] = 20,
    all_: Annotated[bool, typer.Option("--all", help="Все подходящие сделки.")] = False,
    wide: Wide = False,
) -> None:
    """Сделки, сначала новые."""
    opts = options(ctx, wide=wide)
    filters: dict[str, Any] = {"stage": resolve_stage(stage) if stage else None}
    filters |= {"responsible_id": responsible, "contact_id": contact}

    async def main() -> None:
        actor = opts.need_actor()
        async with connected(opts.nats_url) as bus:
            body = {k: v for k, v in filters.items() if v is not None}
            body["actor_id"] = actor
            deals = await collect(bus, ListDeals, body, None if all_ else limit)
        if opts.json:
            print_json(deals)
        else:
            print_table(deals_table(deals, width=width(), wide=opts.wide), wide=opts.wide)
            err().print(count(len(deals), "сделка", "сделки", "сделок"))

    run(main())


@app.command()
def show(
    ctx: typer.Context, given: Annotated[str, typer.Argument(metavar="DEAL")], wide: Wide = False
) -> None:
    """Одна сделка: все поля, контакт и задачи."""
    opts = options(ctx, wide=wide)

    async def main() -> None:
        actor = opts.need_actor()
        async with connected(opts.nats_url) as bus:
            deal_id = await resolve(bus, "deal", given, actor)
            query = {"actor_id": actor, "deal_id": deal_id}
            deal = (as_json(await bus.send(GetDeal, query)))["deal"]
            try:
                tasks = await collect(bus, ListTasks, query, 100)
            except CliError as exc:  # the deal is still worth showing without its tasks
                err().print(f"[yellow]задачи неизвестны:[/] {escape(str(exc))}")
                tasks = []
        if opts.json:
            print_json({"deal": deal, "tasks": tasks})
        else:
            print_table(deal_panel(deal, tasks, width=width(), wide=opts.wide), wide=opts.wide)
            notes = lead_and_attempts(deal)
            if notes is not None:
                out().print(notes)

    run(main())


@app.command()
def move(
    ctx: typer.Context,
    given: Annotated[str, typer.Argument(metavar="DEAL", help="Id сделки или его начало.")],
    stage: Annotated[
        str, typer.Argument(metavar="STAGE", help="Куда: код стадии (OFFER_MADE) или название.")
    ],
    comment: Annotated[
        str | None, typer.Option("--comment", "-m", help="Комментарий при провале.")
    ] = None,
) -> None:
    """Перевести сделку в другую стадию; при отказе сказано, чего не хватает."""
    opts = options(ctx)
    target = resolve_stage(stage)

    async def main() -> None:
        actor = opts.need_actor()
        async with connected(opts.nats_url) as bus:
            deal_id = await resolve(bus, "deal", given, actor)
            body = {"actor_id": actor, "deal_id": deal_id, "to_stage": target}
            if comment is not None:
                body["failure_comment"] = comment
            try:
                reply = as_json(await bus.send(MoveDeal, body))
            except Refusal as refusal:
                refused_move(deal_id, target, refusal, as_json=opts.json)
        deal = reply["deal"]
        if opts.json:
            print_json(reply)
        else:
            out().print(
                f"[green]✓[/] {escape(deal['id'])} → «{escape(stage_name(deal['stage']))}»"
                f" ({deal['stage']}, версия {deal['version']})"
            )

    run(main())


def refused_move(deal_id: str, target: str, refusal: Refusal, *, as_json: bool) -> NoReturn:
    """Say why the deal did not move (the catalogue's sentence: missing fields by their
    Russian names, whom an approval was asked of); exit 1."""
    if as_json:
        print_json({"ok": False, "error": refusal.error})
        raise Reported(1)
    console = err()
    stages = {s.code: s.name for s in config().stages}
    console.print(
        f"[red]✗[/] Сделка {escape(deal_id)} не переведена в «{escape(stage_name(target))}»"
        f" ({escape(str(refusal.error.get('code')))}): {escape(say(refusal.error, stages))}"
    )
    raise Reported(1)


def lead_and_attempts(deal: dict[str, Any]) -> RenderableType | None:
    """The lead's comment and the failed contact attempts on the deal's current stage."""
    parts: list[RenderableType] = []
    if deal.get("comment"):
        parts.append(f"[bold]Комментарий лида[/]  {escape(str(deal['comment']))}")
    attempts = deal.get("attempts") or []
    if attempts:
        count = deal.get("contact_attempts", len(attempts))
        table = Table(
            title=f"Попытки связаться на стадии «{escape(stage_name(deal['stage']))}»: {count}"
        )
        for column in ("когда", "кто", "заметка"):
            table.add_column(column, overflow="fold")
        for a in attempts:
            table.add_row(when(a.get("at")), person(a.get("actor_id")), a.get("note") or "—")
        parts.append(table)
    return Panel(Group(*parts), expand=False) if parts else None


def resolve_stage(text: str) -> str:
    """A stage code from its code in any case or its Russian name (as people type them)."""
    for s in config().stages:
        if text.upper() == s.code or text.casefold() == s.name.casefold():
            return s.code
    return text  # unknown: the service says so, with the list it knows


@app.command()
def update(
    ctx: typer.Context,
    deal_id: str,
    title: Annotated[str | None, typer.Option(help="Название.")] = None,
    amount: Annotated[str | None, typer.Option(help="Сумма, например 15000.00.")] = None,
    currency: Annotated[str | None, typer.Option(help="Валюта (ISO 4217).")] = None,
    subject: Annotated[str | None, typer.Option(help="Предмет сделки.")] = None,
    requirements: Annotated[str | None, typer.Option(help="Требования.")] = None,
    delivery: Annotated[str | None, typer.Option(help="Способ доставки: delivery|pickup.")] = None,
    company: Annotated[str | None, typer.Option(help="Компания.")] = None,
    responsible: Annotated[
        str | None, typer.Option(help="Ответственный (id пользователя).")
    ] = None,
    rop: Annotated[str | None, typer.Option(help="РОП (id пользователя).")] = None,
    contact_name: Annotated[str | None, typer.Option(help="Имя контакта.")] = None,
    contact_phone: Annotated[str | None, typer.Option(help="Телефон контакта.")] = None,
    contact_email: Annotated[str | None, typer.Option(help="E-mail контакта.")] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set", help="ПОЛЕ=ЗНАЧЕНИЕ для любого поля (и contact.ПОЛЕ); пустое значение очищает."
        ),
    ] = None,
) -> None:
    """Изменить поля сделки (не стадию: это `crm deal move`)."""
    opts = options(ctx)
    fields: dict[str, Any] = {}
    named = {
        "title": title,
        "amount": amount,
        "currency": currency,
        "subject": subject,
        "requirements": requirements,
        "delivery_method": delivery,
        "company": company,
        "responsible_id": responsible,
        "rop_id": rop,
        "contact.name": contact_name,
        "contact.phone": contact_phone,
        "contact.email": contact_email,
    }
    pairs: list[tuple[str, str | None]] = [(k, v) for k, v in named.items() if v is not None]
    for item in set_ or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise typer.BadParameter(f"«{item}»: нужно ПОЛЕ=ЗНАЧЕНИЕ", param_hint="--set")
        pairs.append((key.strip(), value or None))
    if not pairs:
        raise typer.BadParameter("нечего менять: укажите поле (опцией или --set)")
    for name, given in pairs:
        if name.startswith("contact."):
            fields.setdefault("contact", {})[name.removeprefix("contact.")] = given
        else:
            fields[name] = given

    async def main() -> None:
        actor = opts.need_actor()
        async with connected(opts.nats_url) as bus:
            full_id = await resolve(bus, "deal", deal_id, actor)
            body = {"actor_id": actor, "deal_id": full_id, "fields": fields}
            try:
                reply = as_json(await bus.send(UpdateDeal, body))
            except Refusal as refusal:
                if refusal.error.get("code") != "missing_fields" or opts.json:
                    raise
                names = field_names(refusal.error.get("missing_fields") or [])
                err().print(
                    f"[red]✗[/] Сделка {escape(full_id)} не изменена: на её стадии нельзя "
                    f"очистить поля: [bold]{escape(names)}[/]"
                )
                raise Reported(1) from None
        if opts.json:
            print_json(reply)
        else:
            changed = field_names(reply.get("changed") or []) or "ничего (те же значения)"
            version = reply["deal"]["version"]
            out().print(f"[green]✓[/] {escape(full_id)} версия {version}, изменено: {changed}")

    run(main())


# Opening deals by hand and logging contact attempts live beside, in `deal_work`.
app.command()(deal_work.create)
app.command("contact-attempt")(deal_work.contact_attempt)
