"""`crm inbox` and `crm inbox read`: the acting user's notifications (`ListNotifications`,
`ReadNotifications`), kept by the notifier whether or not anyone was listening."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.text import Text

from crm_cli.bus import as_json, connected
from crm_cli.ids import resolve
from crm_cli.render import when
from crm_cli.tables import Cell, Column, fitted_table, short_ids
from crm_cli.ui import Wide, err, options, out, print_json, print_table, run, width
from crm_shared.config import KINDS
from crm_shared.contracts.notify import ListNotifications, ReadNotifications
from crm_shared.locale import count, word
from crm_shared.locale.words import NOTICE_KINDS

app = typer.Typer(help="Ваши уведомления: список, отметить прочитанными.")
_KINDS = {kind: words.name for kind, words in KINDS.items()}
_COLUMNS = [
    Column("№", fold=False),
    Column("когда", keep=2, fold=False),
    Column("вид", keep=1),
    Column("текст"),
]


@app.callback(invoke_without_command=True)
def inbox(
    ctx: typer.Context,
    unread: Annotated[bool, typer.Option("--unread", help="Только непрочитанные.")] = False,
    limit: Annotated[int, typer.Option(help="Не больше стольких (сначала новые).")] = 20,
    wide: Wide = False,
) -> None:
    """Ваши уведомления, сначала новые; непрочитанные — жирным."""
    if ctx.invoked_subcommand is not None:
        return
    opts = options(ctx, wide=wide)

    async def main() -> None:
        actor = opts.need_actor()
        async with connected(opts.nats_url) as bus:
            body = {"actor_id": actor, "unread_only": unread, "limit": limit}
            reply = as_json(await bus.send(ListNotifications, body))
        if opts.json:
            print_json(reply)
            return
        items = reply["items"]
        ids = short_ids(i["id"] for i in items)
        rows: list[list[Cell]] = [
            [
                ids[i["id"]],
                when(i["created_at"]),
                word(NOTICE_KINDS, i["kind"]),
                Text(i["text"], style="" if i["read"] else "bold"),
            ]
            for i in items
        ]
        print_table(fitted_table(_COLUMNS, rows, width=width(), wide=opts.wide), wide=opts.wide)
        err().print(f"показано: {len(items)}, непрочитанных: {reply['unread']}")

    run(main())


@app.command()
def read(
    ctx: typer.Context,
    given: Annotated[
        list[str] | None, typer.Argument(metavar="[ID]...", help="Id или их начала.")
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="Все уведомления.")] = False,
) -> None:
    """Отметить уведомления прочитанными: названные или все (--all)."""
    opts = options(ctx)
    if bool(given) == all_:
        raise typer.BadParameter("укажите уведомления или --all (не то и другое)")

    async def main() -> None:
        actor = opts.need_actor()
        async with connected(opts.nats_url) as bus:
            body: dict[str, Any] = {"actor_id": actor}
            if all_:
                body["all"] = True
            else:
                body["ids"] = [await resolve(bus, "notification", g, actor) for g in given or []]
            reply = as_json(await bus.send(ReadNotifications, body))
        if opts.json:
            print_json(reply)
        else:
            marked = count(reply["count"], "уведомление", "уведомления", "уведомлений")
            out().print(f"[green]✓[/] прочитано: {marked}")

    run(main())
