"""`crm rules try CONFIG [--since 90d]`: what a proposed configuration would have refused.

The file is checked here by the loader that reads the real configuration (a bad one is
named before anything is sent), then deal-service replays the period's stage history
against it (`TryRules`) and this prints its report. Nothing changes.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from crm_cli.bus import CliError, as_json, connected
from crm_cli.ui import config, err, options, out, print_json, run, zone
from crm_shared import locale
from crm_shared.config import ConfigError, loads_config
from crm_shared.config.messages import os_reason
from crm_shared.contracts.deal import MAX_CONFIG_BYTES, MAX_SINCE_DAYS, TryRules
from crm_shared.contracts.text import json_size

app = typer.Typer(
    help="Правила воронки: проверить изменение на прошлых переходах, прежде чем включать его."
)
TIMEOUT = 120.0
_SINCE = re.compile(r"^\s*(\d+)\s*([dw]?)\s*$")


def since_days(text: str) -> int:
    """`90d`, `12w` or `90` (days) as days, within what the service replays."""
    match = _SINCE.match(text)
    if match is None:
        raise CliError(f"--since {text!r}: нужно число дней (90d) или недель (12w)", 2)
    days = int(match.group(1)) * (7 if match.group(2) == "w" else 1)
    if not 1 <= days <= MAX_SINCE_DAYS:
        raise CliError(f"--since {text!r}: от 1 до {MAX_SINCE_DAYS} дней", 2)
    return days


def content(path: Path) -> str:
    """The file's text, checked by the configuration's loader; a file too long for the bus
    goes without its comments, as JSON (which is YAML): the same configuration."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f"не удалось прочитать {path}: {os_reason(exc)}", 2) from None
    try:
        loads_config(text, source=str(path))
    except ConfigError as exc:
        raise CliError(f"конфигурация не принята: {exc}", 2) from None
    if json_size(text) <= MAX_CONFIG_BYTES:
        return text
    compact = json.dumps(yaml.safe_load(text), ensure_ascii=False, separators=(",", ":"))
    if json_size(compact) > MAX_CONFIG_BYTES:
        raise CliError(f"{path}: больше {MAX_CONFIG_BYTES // 1024} КБ даже без комментариев", 2)
    return compact


@app.command("try")
def try_(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(metavar="CONFIG", help="The proposed YAML file.")],
    since: Annotated[
        str, typer.Option(help="The period replayed, back from now: 90d, 12w (at most 366d).")
    ] = "90d",
    examples: Annotated[
        int, typer.Option(min=0, max=20, help="Examples (deal titles) per group.")
    ] = 5,
) -> None:
    """Replay the period's moves against CONFIG: what it would have refused and why, per
    rule, stage and manager, and the funnel had those deals stopped there."""
    opts = options(ctx)

    async def main() -> None:
        days, text = since_days(since), content(path)
        query = TryRules(
            actor_id=opts.need_actor(), config=text, since_days=days, examples=examples
        )
        async with connected(opts.nats_url) as bus:
            with err().status("проверяем историю…"):
                reply = as_json(await bus.ask(query, timeout=TIMEOUT))
        if opts.json:
            print_json(reply["report"])
        else:
            show(out(), reply["report"])

    run(main())


def show(console: Console, r: dict[str, Any]) -> None:
    """The report in the order a РОП reads it: summary, rules, stages, managers, funnel."""
    console.print(_summary(r))
    console.print(_groups("По правилам", "правило", r["by_rule"], _rule))
    console.print(_groups("По стадиям (куда не пустили бы)", "стадия", r["by_stage"], _named))
    console.print(_groups("По менеджерам", "менеджер", r["by_responsible"], _person))
    console.print(_funnel(r["funnel"]))
    console.print(_examples(r))
    console.print(Text(NOTE, style="dim"))


NOTE = (
    "Поля сделок взяты на момент каждого перехода: нынешние значения с отменой более поздних "
    "изменений из журнала сделки. Чего журнал не знает (поля контакта, изменённые через "
    "другую сделку, стёртые данные, импорт), берётся как сейчас."
)


def _days(r: dict[str, Any]) -> str:
    return f"{locale.day(r['from'], zone())} … {locale.day(r['to'], zone())}"


def _pct(value: float | None) -> str:
    return "—" if value is None else locale.percent(value)


def _summary(r: dict[str, Any]) -> Panel:
    funnel = r["funnel"]
    lines = [
        f"Переходов проверено: [bold]{r['moves']}[/] в [bold]{r['deals']}[/] сделках",
        f"Отказали бы: [bold]{r['refused']}[/]; сделок остановилось бы: [bold]{r['stopped']}[/]",
        f"Конверсия сделок периода: [bold]{_pct(funnel['conversion'])}[/] → "
        f"[bold]{_pct(funnel['would_convert'])}[/] (выиграно {funnel['won']} → "
        f"{funnel['would_win']} из {funnel['created']})",
    ]
    return Panel("\n".join(lines), title=f"Проверка правил за {_days(r)}", expand=False)


def _rule(key: str | None, row: dict[str, Any]) -> str:
    return locale.rule_name(key)


def _named(key: str | None, row: dict[str, Any]) -> str:
    return str(row.get("name") or key or "—")


def _person(key: str | None, row: dict[str, Any]) -> str:
    return str(row.get("name") or key or "без ответственного")


def _titles(row: dict[str, Any]) -> str:
    return "; ".join(e.get("title") or e["deal_id"][:8] for e in row["examples"]) or "—"


def _groups(title: str, first: str, rows: list[dict[str, Any]], label: Any) -> Table | Text:
    if not rows:
        return Text(f"{title}: отказов нет", style="green")
    table = Table(title=title)
    table.add_column(first)
    table.add_column("отказов", justify="right")
    table.add_column("сделок", justify="right")
    table.add_column("примеры", overflow="fold")
    for row in rows:
        table.add_row(
            escape(label(row["key"], row)),
            str(row["count"]),
            str(row["deals"]),
            escape(_titles(row)),
        )
    return table


def _funnel(f: dict[str, Any]) -> Table:
    table = Table(title="Воронка сделок периода: как было → как было бы")
    for column in ("стадия", "дошли", "дошли бы", "доля", "доля бы"):
        table.add_column(column, justify="left" if column == "стадия" else "right")
    for s in f["stages"]:
        style = {"success": "green", "failure": "red"}.get(s["kind"], "")
        table.add_row(
            Text(s["name"], style=style),
            str(s["reached"]),
            str(s["would_reach"]),
            _pct(s["share"]),
            _pct(s["would_share"]),
        )
    return table


def _examples(r: dict[str, Any]) -> Table | Text:
    seen: dict[tuple[str, str], dict[str, Any]] = {}
    for row in r["by_rule"]:
        for e in row["examples"]:
            seen.setdefault((e["deal_id"], e["at"]), e)
    if not seen:
        return Text("")
    stages = {s.code: s.name for s in config().stages}
    table = Table(title="Примеры отказов")
    for column in ("сделка", "переход", "когда", "почему"):
        table.add_column(column, overflow="fold")
    for e in seen.values():
        move = f"{stages.get(e['from_stage'], e['from_stage'])} → "
        move += stages.get(e["to_stage"], e["to_stage"])
        table.add_row(
            escape(e.get("title") or e["deal_id"]),
            escape(move),
            locale.moment(e["at"], zone()),
            escape(locale.say(e["error"], stages)),
        )
    return table
