"""`crm lead add`: publish leads as a source system would, and wait for their deals."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Annotated, Any

import typer
from nats.aio.msg import Msg
from pydantic import ValidationError
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn

from crm_cli.bus import Bus, Reported, connected
from crm_cli.tables import Cell, Column, fitted_table, short_ids
from crm_cli.ui import (
    Options,
    Wide,
    err,
    options,
    out,
    print_json,
    print_table,
    progress,
    run,
    stage_name,
    width,
)
from crm_shared.contracts.deal import LeadReceived
from crm_shared.contracts.envelope import CloudEvent
from crm_shared.locale import count, form_problems

app = typer.Typer(help="Лиды: отправить, как это делает источник.")
CHUNK = 200  # publishes in flight at once: fast, without flooding the server


@app.command()
def add(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Option(help="Имя контакта.")] = None,
    phone: Annotated[str | None, typer.Option(help="Телефон контакта.")] = None,
    email: Annotated[str | None, typer.Option(help="E-mail контакта.")] = None,
    source: Annotated[str, typer.Option(help="Источник лида.")] = "cli",
    external_id: Annotated[
        str | None,
        typer.Option(help="Id в источнике (по умолчанию случайный); с номером для каждого лида."),
    ] = None,
    title: Annotated[str | None, typer.Option(help="Название сделки.")] = None,
    subject: Annotated[str | None, typer.Option(help="Предмет сделки.")] = None,
    requirements: Annotated[str | None, typer.Option(help="Требования.")] = None,
    amount: Annotated[str | None, typer.Option(help="Сумма, например 15000.00.")] = None,
    currency: Annotated[str | None, typer.Option(help="Валюта (ISO 4217).")] = None,
    responsible: Annotated[
        str | None, typer.Option(help="Ответственный (id пользователя).")
    ] = None,
    comment: Annotated[str | None, typer.Option(help="Комментарий лида.")] = None,
    count: Annotated[int, typer.Option(min=1, help="Отправить столько таких лидов.")] = 1,
    wait: Annotated[bool, typer.Option(help="Ждать, пока каждый лид станет сделкой.")] = True,
    timeout: Annotated[float, typer.Option(help="Сколько секунд ждать сделок.")] = 15.0,
    wide: Wide = False,
) -> None:
    """Отправить лид (или --count лидов); по умолчанию дождаться сделок из них."""
    opts = options(ctx, wide=wide)
    if not (name or phone or email):
        raise typer.BadParameter("лиду нужно --name, --phone или --email")
    base = external_id or f"cli-{uuid.uuid4().hex[:10]}"
    fields = {
        "title": title,
        "subject": subject,
        "requirements": requirements,
        "amount": amount,
        "currency": currency,
        "responsible_id": responsible,
        "comment": comment,
    }
    events = []
    for i in range(count):
        data = {
            "source": source,
            "external_id": base if count == 1 else f"{base}-{i + 1}",
            "contact": {"name": name, "phone": phone, "email": email},
            **{k: v for k, v in fields.items() if v is not None},
        }
        try:  # checked here as deal-service will, so a typo is not a dead letter
            lead = LeadReceived.model_validate(data)
        except ValidationError as exc:
            raise typer.BadParameter(form_problems(exc.errors())) from None
        events.append(
            CloudEvent(
                source=f"crm-cli/{source}",
                type=LeadReceived.TYPE,
                subject=lead.external_id,
                data=lead.model_dump(mode="json", exclude_none=True),
            )
        )

    async def main() -> None:
        async with connected(opts.nats_url) as bus:
            outcome = await _publish(bus, events, wait, timeout)
        _report(opts, events, wait, timeout, *outcome)

    run(main())


async def _publish(
    bus: Bus, events: list[CloudEvent], wait: bool, timeout: float
) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """Publish every event; with `wait`, the deals (and dead letters) that followed."""
    by_event = {e.id: e.data["external_id"] for e in events}
    wanted = {(e.data["source"], e.data["external_id"]) for e in events}
    made: dict[str, dict[str, Any]] = {}
    failed: dict[str, str] = {}
    settled = asyncio.Event()

    async def on_created(msg: Msg) -> None:
        deal = json.loads(msg.data)["data"]["deal"]
        if (deal.get("source"), deal.get("external_id")) in wanted:
            made[deal["external_id"]] = deal
            if len(made) + len(failed) >= len(events):
                settled.set()

    async def on_dead_letter(msg: Msg) -> None:
        body = json.loads(msg.data)
        ext = by_event.get((body.get("original_headers") or {}).get("Nats-Msg-Id", ""))
        if ext is not None:
            failed[ext] = str(body.get("reason"))
            if len(made) + len(failed) >= len(events):
                settled.set()

    if wait:  # subscribed before publishing, so no deal can be made unseen
        await bus.nc.subscribe("crm.deal.created", cb=on_created)
        await bus.nc.subscribe("crm.dlq.deal-service", cb=on_dead_letter)
        await bus.nc.flush()
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with progress(*columns) as shown:
        sent = shown.add_task("лиды отправлены", total=len(events))
        for start in range(0, len(events), CHUNK):
            chunk = events[start : start + CHUNK]
            await asyncio.gather(*(bus.publish_event(LeadReceived.SUBJECT, e) for e in chunk))
            shown.advance(sent, len(chunk))
        if wait:
            deals = shown.add_task("сделки созданы", total=len(events))
            deadline = time.monotonic() + timeout
            while not settled.is_set() and time.monotonic() < deadline:
                shown.update(deals, completed=len(made) + len(failed))
                try:
                    await asyncio.wait_for(settled.wait(), 0.1)
                except TimeoutError:
                    continue
            shown.update(deals, completed=len(made) + len(failed))
    return made, failed


def _report(
    opts: Options,
    events: list[CloudEvent],
    wait: bool,
    timeout: float,
    made: dict[str, dict[str, Any]],
    failed: dict[str, str],
) -> None:
    """What became of each lead; exit 1 if one was dead-lettered or made no deal in time."""
    externals = [e.data["external_id"] for e in events]
    missing = [x for x in externals if wait and x not in made and x not in failed]
    if opts.json:
        print_json({"published": externals, "deals": made, "failed": failed, "missing": missing})
    elif not wait:
        out().print(
            f"[green]✓[/] отправлено: {count(len(events), 'лид', 'лида', 'лидов')}: "
            f"{escape(', '.join(externals[:5]))}"
        )
    elif len(events) == 1 and made:
        deal = made[externals[0]]
        out().print(
            f"[green]✓[/] лид {escape(externals[0])} → сделка [bold]{escape(deal['id'])}[/]"
            f" «{escape(stage_name(deal['stage']))}», ответственный "
            f"{deal.get('responsible_id') or '—'}"
        )
    elif made:
        listed = [ext for ext in externals if ext in made]
        ids = short_ids(made[ext]["id"] for ext in listed[:20])
        rows: list[list[Cell]] = [
            [
                ext,
                ids[made[ext]["id"]],
                stage_name(made[ext]["stage"]),
                made[ext].get("responsible_id") or "—",
            ]
            for ext in listed[:20]
        ]
        if len(listed) > 20:
            rows.append([f"… и ещё {len(listed) - 20}", "", "", ""])
        columns = [
            Column("№ в источнике", fold=False),
            Column("сделка", fold=False),
            Column("стадия"),
            Column("ответственный", keep=1),
        ]
        table = fitted_table(columns, rows, width=width(), wide=opts.wide)
        print_table(table, wide=opts.wide)
        out().print(f"[green]✓[/] {len(made)} из {len(events)} лидов стали сделками")
    for ext, reason in failed.items():
        err().print(
            f"[red]✗[/] лид {escape(ext)} не принят (в очереди недоставленных): {escape(reason)}"
        )
    if missing:
        err().print(
            f"[yellow]![/] за {timeout:g} с не появилось сделок для лидов: {len(missing)} "
            "(лид, полученный раньше, второй сделки не создаёт; см. `crm deal list`)"
        )
    if failed or missing:
        raise Reported(1)
