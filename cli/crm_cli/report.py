"""`crm report funnel` and `crm report period`: the two views of analytics as tables.

funnel: the cohort view (`FunnelQuery`), the deals created in the period and
where they went; period: what happened in the period (`PeriodQuery`), deals
won and lost in it whenever created, per manager and lead source.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

import typer
from rich.console import Console, Group
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from crm_cli.bus import as_json, connected
from crm_cli.render import duration
from crm_cli.ui import err, options, out, print_json, run, zone
from crm_shared import locale
from crm_shared.contracts.analytics import FunnelQuery, PeriodQuery

app = typer.Typer(help="Отчёты: воронка сделок периода или что произошло за период.")
BAR_WIDTH = 40


def _this_month() -> tuple[str, str]:
    """This month on the reader's calendar, as the UTC moments its days begin."""
    today = locale.today(zone())
    first = today.replace(day=1)
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return _bound(first.isoformat()), _bound(following.isoformat())


def _bound(text: str) -> str:
    """A day (YYYY-MM-DD or dd.mm.yyyy) begins at midnight on the reader's clock (their
    `timezone`, else the configuration's); an RFC 3339 moment is sent as it is."""
    if "T" in text or " " in text.strip():
        return text
    try:
        return locale.day_start(locale.parse_day(text), zone()).isoformat()
    except ValueError:
        return text  # the service says what is wrong with it


def _days(r: dict[str, Any]) -> str:
    """The report's [from, to) as the reader's days: «01.12.2026 … 31.12.2026»."""
    end = locale.moment_of(r["to"])
    last = end - timedelta(microseconds=1) if end else None
    return f"{locale.day(r['from'], zone())} … {locale.day(last, zone())}"


From = Annotated[
    str | None,
    typer.Option(
        "--from",
        help="Начало: день (с полуночи по вашему времени) или RFC 3339; по умолчанию — этот месяц.",
    ),
]
To = Annotated[
    str | None,
    typer.Option(help="Конец, не включая: день (дд.мм.гггг, ГГГГ-ММ-ДД) или RFC 3339."),
]
Responsible = Annotated[str | None, typer.Option(help="Только сделки этого менеджера.")]


@app.command()
def funnel(
    ctx: typer.Context,
    from_: From = None,
    to: To = None,
    responsible: Responsible = None,
) -> None:
    """Сделки, созданные в [--from, --to): выигрыши, конверсия по стадиям, потери, время на
    стадии, просрочки."""
    _report(ctx, FunnelQuery, from_, to, responsible, show)


@app.command()
def period(
    ctx: typer.Context,
    from_: From = None,
    to: To = None,
    responsible: Responsible = None,
) -> None:
    """Что произошло в [--from, --to): выигранные (и их сумма) и проигранные сделки, новые
    сделки — по менеджерам и источникам лидов, время на стадии."""
    _report(ctx, PeriodQuery, from_, to, responsible, show_period)


def _report(
    ctx: typer.Context,
    model: type[FunnelQuery] | type[PeriodQuery],
    from_: str | None,
    to: str | None,
    responsible: str | None,
    render: Any,
) -> None:
    opts = options(ctx)
    start, end = _this_month()
    body: dict[str, Any] = {
        "from": _bound(from_) if from_ else start,
        "to": _bound(to) if to else end,
    }
    if responsible:
        body["responsible_id"] = responsible

    async def main() -> None:
        body["actor_id"] = opts.need_actor()
        async with connected(opts.nats_url) as bus:
            with err().status("считаем…"):
                reply = as_json(await bus.send(model, body, timeout=60))
        if opts.json:
            print_json(reply["report"])
        else:
            render(out(), reply["report"])

    run(main())


def show_period(console: Console, r: dict[str, Any]) -> None:
    """The period view: totals, managers, lead sources, losses, times (the `notes` are for
    programs, in --json; what they say of overdue tasks a person reads in `_overdue`)."""
    console.print(_period_summary(r))
    console.print(_lines("По менеджерам", "менеджер", r["by_responsible"], _manager))
    console.print(_lines("По источникам лидов", "источник", r["by_source"], _source))
    console.print(_losses(r))
    console.print(_times(r))
    console.print(_overdue(r))
    console.print(_reasons(r))


def _sums(won: dict[str, Any]) -> str:
    return locale.sums(won["sum"])


def _period_summary(r: dict[str, Any]) -> Panel:
    who = f" · {r['responsible_id']}" if r.get("responsible_id") else ""
    lines = [
        f"Новых сделок: [bold]{r['created']}[/]",
        f"Выиграно за период: [bold]{r['won']['count']}[/] на сумму "
        f"[bold]{escape(_sums(r['won']))}[/]",
        f"Проиграно за период: [bold]{r['lost']}[/]",
    ]
    title = f"Продажи за период {_days(r)}{escape(who)}"
    return Panel("\n".join(lines), title=title, expand=False)


def _manager(row: dict[str, Any]) -> str:
    return str(row.get("name") or row.get("responsible_id") or "без ответственного")


def _source(row: dict[str, Any]) -> str:
    return locale.source_name(row["source"]) if row.get("source") else "не указан"


def _lines(title: str, first: str, rows: list[dict[str, Any]], label: Any) -> Table:
    table = Table(title=title)
    for column in (first, "новых", "выиграно", "сумма", "проиграно"):
        table.add_column(column, justify="left" if column in (first, "сумма") else "right")
    for row in rows:
        table.add_row(
            escape(label(row)),
            str(row["created"]),
            str(row["won"]["count"]),
            escape(_sums(row["won"])),
            str(row["lost"]),
        )
    return table


def show(console: Console, r: dict[str, Any]) -> None:
    """Every part of the report, in the order a sales head reads it."""
    console.print(_summary(r))
    console.print(_stages(r))
    console.print(_chart(r))
    console.print(_losses(r))
    console.print(_times(r))
    console.print(_overdue(r))
    console.print(_reasons(r))


def _reasons(r: dict[str, Any]) -> Table | Text:
    """The overdue tasks that have a comment: what the manager answered (or was asked)."""
    rows = [
        (row, task)
        for row in (r.get("overdue") or {}).get("by_responsible", [])
        for task in row.get("tasks") or []
        if task.get("last_comment")
    ]
    if not rows:
        return Text("")
    table = Table(title="Причины просрочек (последний комментарий задачи)")
    for column in ("менеджер", "задача", "комментарий"):
        table.add_column(column, overflow="fold")
    for row, task in rows:
        comment = task["last_comment"]
        table.add_row(
            escape(row.get("name") or row.get("responsible_id") or "—"),
            escape(task["title"]),
            escape(f"{comment['author_id']}: {comment['text']}"),
        )
    return table


def _pct(share: float | None) -> str:
    return "—" if share is None else locale.percent(share)


def _summary(r: dict[str, Any]) -> Panel:
    sums = _sums(r["won"])
    who = f" · {r['responsible_id']}" if r.get("responsible_id") else ""
    lines = [
        f"Создано сделок: [bold]{r['created']}[/]",
        f"Выиграно: [bold]{r['won']['count']}[/] на сумму [bold]{escape(sums)}[/]",
        f"Конверсия: [bold]{_pct(r['conversion'])}[/]",
    ]
    title = f"Воронка продаж {_days(r)}{escape(who)}"
    return Panel("\n".join(lines), title=title, expand=False)


def _stages(r: dict[str, Any]) -> Table:
    table = Table(title="Конверсия по стадиям")
    for column in ("стадия", "код", "дошли", "доля"):
        table.add_column(column, justify="right" if column in ("дошли", "доля") else "left")
    for s in r["stages"]:
        style = {"success": "green", "failure": "red"}.get(s["kind"], "")
        table.add_row(Text(s["name"], style=style), s["code"], str(s["reached"]), _pct(s["share"]))
    return table


def _chart(r: dict[str, Any]) -> Group:
    """A horizontal bar per active and success stage: the share of deals that reached it."""
    stages = [s for s in r["stages"] if s["kind"] != "failure"]
    width = max((len(s["name"]) for s in stages), default=10)
    rows: list[Text] = [Text("Доля сделок, дошедших до стадии", style="bold")]
    for s in stages:
        share = s["share"] or 0.0
        filled = round(share * BAR_WIDTH)
        line = Text(f"{s['name']:<{width}} ")
        line.append("█" * filled, style="green" if s["kind"] == "success" else "cyan")
        line.append("░" * (BAR_WIDTH - filled), style="dim")
        line.append(f" {_pct(s['share']):>6} ({s['reached']})")
        rows.append(line)
    return Group(*rows, Text(""))


def _losses(r: dict[str, Any]) -> Table:
    table = Table(title="Потери по стадиям провала")
    table.add_column("стадия")
    table.add_column("сделок", justify="right")
    table.add_column("комментарии", overflow="fold")
    for loss in r["losses"]:
        comments = [c["comment"] for c in loss["comments"]]
        shown = "; ".join(comments[:5]) + (f" (+{len(comments) - 5})" if len(comments) > 5 else "")
        table.add_row(loss["name"], str(loss["count"]), shown or "—")
    return table


def _times(r: dict[str, Any]) -> Table:
    table = Table(title="Время на стадии: завершённые пребывания и ещё открытые (до сейчас)")
    for column in ("стадия", "раз", "медиана", "p90", "открыты", "медиана откр."):
        table.add_column(column, justify="left" if column == "стадия" else "right")
    for t in r["time_in_stage"]:
        still = t.get("open") or {"count": 0, "median_seconds": None}
        table.add_row(
            t["name"],
            str(t["count"]),
            duration(t["median_seconds"]),
            duration(t["p90_seconds"]),
            str(still["count"]),
            duration(still["median_seconds"]),
        )
    return table


def _overdue(r: dict[str, Any]) -> Table | Text:
    overdue = r.get("overdue")
    if overdue is None:
        return Text("Просроченные задачи: нет данных (task-service не ответил)", style="yellow")
    if not overdue["by_responsible"]:
        return Text("Просроченных задач за период нет", style="green")
    table = Table(title=f"Просроченные задачи по менеджерам (всего {overdue['total']})")
    for column in ("менеджер", "id", "просрочено", "из них открыты"):
        table.add_column(column, justify="right" if column.startswith(("про", "из")) else "left")
    for row in overdue["by_responsible"]:
        table.add_row(
            row.get("name") or "—",
            row.get("responsible_id") or "—",
            str(row["overdue"]),
            str(row["open"]),
        )
    return table
