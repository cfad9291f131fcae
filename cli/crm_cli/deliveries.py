"""`crm delivery list / retry`: webhook and e-mail deliveries the notifier gave up on.

Through `ListDeliveries` and `RetryDeliveries`, answered by the notifier.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from crm_cli.bus import CliError, as_json, connected
from crm_cli.ids import resolve
from crm_cli.render import when
from crm_cli.tables import Cell, Column, fitted_table, short_ids
from crm_cli.ui import Wide, err, options, out, print_json, print_table, run, width
from crm_shared.contracts.notify import ListDeliveries, RetryDeliveries
from crm_shared.locale import word
from crm_shared.locale.words import CHANNELS, DELIVERY_STATES

app = typer.Typer(help="Доставки вебхуков и писем: список неудавшихся, повтор.")


@app.command("list")
def list_deliveries(
    ctx: typer.Context,
    pending: Annotated[
        bool, typer.Option("--pending", help="Вместо них — ещё не выполненные доставки.")
    ] = False,
    user: Annotated[str | None, typer.Option(help="Только доставки этому получателю.")] = None,
    limit: Annotated[int, typer.Option(help="Не больше стольких (сначала новые).")] = 50,
    wide: Wide = False,
) -> None:
    """Доставки, брошенные после webhook.max_attempts попыток (сначала новые), с последней
    ошибкой."""
    opts = options(ctx, wide=wide)

    async def main() -> None:
        body: dict[str, Any] = {"status": "pending" if pending else "failed", "limit": limit}
        if user:
            body["user_id"] = user
        async with connected(opts.nats_url) as bus:
            reply = as_json(await bus.send(ListDeliveries, body))
        if opts.json:
            print_json(reply)
            return
        items = reply["items"]
        print_table(deliveries_table(items, width=width(), wide=opts.wide), wide=opts.wide)
        state = DELIVERY_STATES.get(body["status"], body["status"])
        err().print(f"{len(items)} из {reply['total']} {state} доставок")

    run(main())


@app.command()
def retry(
    ctx: typer.Context,
    delivery_ids: Annotated[
        list[str] | None,
        typer.Argument(metavar="[ID]...", help="Id доставок или их начала."),
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="Все неудавшиеся доставки.")] = False,
) -> None:
    """Повторить неудавшиеся доставки сейчас (по id или все: --all)."""
    opts = options(ctx)
    if bool(delivery_ids) == all_:
        raise typer.BadParameter("укажите id доставок или --all (не то и другое)")

    async def main() -> None:
        actor = opts.need_actor()
        body: dict[str, Any] = {"actor_id": actor}
        async with connected(opts.nats_url) as bus:
            if all_:
                body["all"] = True
            else:
                given = delivery_ids or []
                body["delivery_ids"] = [
                    await resolve(bus, "failed delivery", g, actor) for g in given
                ]
            reply = as_json(await bus.send(RetryDeliveries, body))
        if opts.json:
            print_json(reply)
            return
        for delivery_id in reply["retried"]:
            out().print(f"[green]✓[/] {escape(delivery_id)}: повторим сейчас")
        for other in reply["not_retried"]:
            why = _not_retried(other["reason"])
            err().print(f"[yellow]-[/] {escape(other['id'])}: {escape(why)}")
        if not reply["retried"]:
            err().print("повторять нечего")
            if reply["not_retried"]:
                raise CliError("ни одна из указанных доставок не в неудавшихся", 1)

    run(main())


def _not_retried(reason: str) -> str:
    """The notifier's reason (for programs: «it is pending, not failed», «no such
    delivery») as a person reads it."""
    if reason.startswith("it is "):
        state = reason.removeprefix("it is ").split(",")[0]
        return f"её состояние — {_STATES.get(state, state)}, а не «не удалась»"
    return "такой доставки нет" if reason == "no such delivery" else reason


_STATES = {"pending": "ожидает", "delivered": "доставлена", "failed": "не удалась"}


# Short ids: `crm delivery retry` takes any unambiguous prefix (`--json` keeps whole ids).
_COLUMNS = [
    Column("№", fold=False),
    Column("канал", keep=3),
    Column("кому", keep=2),
    Column("куда", keep=4),
    Column("попыток", keep=5, fold=False),
    Column("последняя попытка", keep=1, fold=False),
    Column("последняя ошибка"),
]


def deliveries_table(items: list[dict[str, Any]], *, width: int = 80, wide: bool = False) -> Table:
    """One delivery a row: id, channel, recipient, target, attempts, last attempt and error."""
    ids = short_ids(d["id"] for d in items)
    rows: list[list[Cell]] = [
        [
            ids[d["id"]],
            word(CHANNELS, d["channel"]),
            d["user_id"],
            d["target"],
            str(d["attempts"]),
            when(d.get("last_attempt_at")),
            d.get("last_error") or "—",
        ]
        for d in items
    ]
    return fitted_table(_COLUMNS, rows, width=width, wide=wide)
