"""Deals and tasks as rich tables and panels, with the funnel's Russian display names;
times on the reader's clock, money and durations as crm_shared.locale says them (as the
board does)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from crm_cli.tables import Cell, Column, fitted_table, short_ids
from crm_cli.ui import person, stage_name, zone
from crm_shared import locale
from crm_shared.config import FIELD_DISPLAY_NAMES
from crm_shared.contracts.phones import client_label, shown_phone
from crm_shared.locale import duration, money
from crm_shared.locale.words import DELIVERY, PAYS_BY

__all__ = ["deal_panel", "deals_table", "duration", "money", "task_panel", "tasks_table", "when"]


def when(value: str | None) -> str:
    """An RFC 3339 time as «31.01.2026 12:00» on the reader's clock (`--as`'s zone)."""
    return locale.moment(value, zone())


_DEAL_COLUMNS = [
    Column("№", fold=False),
    Column("стадия"),
    Column("контакт", keep=2),
    Column("название", keep=4),
    Column("сумма", keep=1, fold=False),
    Column("ответственный", keep=3),
    Column("создана", keep=5, fold=False),
]


def deals_table(deals: list[dict[str, Any]], *, width: int = 80, wide: bool = False) -> Table:
    """One deal a row, newest first as the API lists them; ids shortened, fitted to `width`."""
    ids = short_ids(d["id"] for d in deals)
    rows: list[list[Cell]] = []
    for d in deals:
        contact = d.get("contact") or {}
        rows.append(
            [
                ids[d["id"]],
                stage_name(d["stage"]),
                client_label(contact.get("name"), contact.get("phone"), contact.get("email"))
                or "—",
                d.get("title") or "—",
                money(d.get("amount"), d.get("currency")),
                d.get("responsible_id") or "—",
                when(d.get("created_at")),
            ]
        )
    return fitted_table(_DEAL_COLUMNS, rows, width=width, wide=wide)


_DEAL_FIELDS = [
    ("stage", "Стадия"),
    ("title", "Название"),
    ("amount", FIELD_DISPLAY_NAMES["amount"]),
    ("subject", FIELD_DISPLAY_NAMES["subject"]),
    ("requirements", FIELD_DISPLAY_NAMES["requirements"]),
    ("delivery_method", FIELD_DISPLAY_NAMES["delivery_method"]),
    ("delivery_address", FIELD_DISPLAY_NAMES["delivery_address"]),
    ("company", "Компания"),
    ("responsible_id", "Ответственный"),
    ("rop_id", "РОП"),
    ("failure_comment", FIELD_DISPLAY_NAMES["failure_comment"]),
    ("contact_attempts", FIELD_DISPLAY_NAMES["contact_attempts"]),
    ("source", "Источник"),
    ("created_at", "Создана"),
    ("updated_at", "Изменена"),
]


def deal_panel(
    deal: dict[str, Any],
    tasks: list[dict[str, Any]] | None = None,
    *,
    width: int = 80,
    wide: bool = False,
) -> Panel:
    """Every field of one deal, its contact, and its tasks if given (every column of them
    when `wide`)."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column(overflow="fold")
    for key, label in _DEAL_FIELDS:
        value = deal.get(key)
        if key == "delivery_address" and deal.get("delivery_method") != "delivery":
            continue  # an address is for a deal delivered
        if key == "stage":
            text = f"{stage_name(value)} ({value})"
        elif key == "amount":
            text = money(value, deal.get("currency"))
        elif key == "delivery_method":
            text = locale.word(DELIVERY, value)
        elif key == "source":
            text = locale.source_name(value)
        elif key.endswith("_at"):
            text = when(value)
        elif key in ("responsible_id", "rop_id"):
            text = person(value)
        else:
            text = "—" if value in (None, "") else str(value)
        grid.add_row(label, text)
    contact = deal.get("contact") or {}
    if contact:
        # the phone as people read it («+7 912 555-01-01»), not as kept (+79125550101)
        details = [contact.get("name"), shown_phone(contact.get("phone")), contact.get("email")]
        pays_by = contact.get("pays_by")
        details += [PAYS_BY.get(pays_by, pays_by) if pays_by else None, contact.get("segment")]
        grid.add_row(FIELD_DISPLAY_NAMES["contact"], ", ".join(str(v) for v in details if v))
        if contact.get("id"):  # whole: what `crm contact export/erase` take
            grid.add_row("№ клиента", str(contact["id"]))
    parts: list[RenderableType] = [grid]
    if tasks:
        listed = open_first(tasks)
        title = tasks_title(tasks)
        parts.append(tasks_table(listed, title, with_deal=False, width=width - 4, wide=wide))
    return Panel(
        Group(*parts), title=f"сделка {deal['id']} · версия {deal['version']}", expand=False
    )


def tasks_table(
    tasks: list[dict[str, Any]],
    title: str | None = None,
    *,
    with_deal: bool = True,
    with_responsible: bool = True,
    width: int = 80,
    wide: bool = False,
) -> Table:
    """One task a row; a deadline already passed on an open task is red, a closed task's row
    dim. The status stays whatever the width: a closed task never reads as open work."""
    now = datetime.now(UTC)
    ids = short_ids(t["id"] for t in tasks)
    deal_ids = short_ids(t["deal_id"] for t in tasks)
    columns = [
        Column("№", fold=False),
        Column("сделка", keep=3, fold=False),
        Column("стадия", keep=1),
        Column("задача"),
        Column("ответственный", keep=2),
        Column("срок", fold=False),
        Column("статус"),
    ]
    rows: list[list[Cell]] = []
    for t in tasks:
        deadline = t.get("deadline")
        is_open = t.get("status") == "open"
        late = is_open and deadline is not None and datetime.fromisoformat(deadline) < now
        dim = "" if is_open else "dim"
        rows.append(
            [
                Text(ids[t["id"]], style=dim),
                Text(deal_ids[t["deal_id"]], style=dim),
                Text(task_kind(t), style=dim),
                Text(t["title"], style=dim),
                Text(t.get("responsible_id") or "—", style=dim),
                Text(when(deadline), style="bold red" if late else dim),
                Text(locale.task_status(t["status"], t.get("close_reason")), style=dim),
            ]
        )
    unwanted = [i for i, keep in ((4, with_responsible), (1, with_deal)) if not keep]
    for i in unwanted:  # the higher index first
        del columns[i]
        for row in rows:
            del row[i]
    return fitted_table(columns, rows, width=width, wide=wide, title=title)


def open_first(tasks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Open tasks, then closed ones, each in the order given (a deal's card)."""
    return sorted(tasks, key=lambda t: t.get("status") != "open")


def tasks_title(tasks: list[dict[str, Any]]) -> str:
    """«Задачи (открытых: 1, закрытых: 5)»."""
    opened = sum(t.get("status") == "open" for t in tasks)
    return f"Задачи (открытых: {opened}, закрытых: {len(tasks) - opened})"


def task_kind(task: dict[str, Any]) -> str:
    """The stage a task belongs to, «РОП» for the free plan's РОП task, «своя» for a task
    a person set (`kind: own`, no stage)."""
    if task.get("stage"):
        return stage_name(task["stage"])
    return "своя" if task.get("kind") == "own" else "РОП"


def task_panel(task: dict[str, Any], *, width: int = 80) -> Panel:
    """One task: its fields, its description as written, and its comments oldest first."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column(overflow="fold")
    status = locale.task_status(task["status"], task.get("close_reason"))
    deal = task.get("deal_title") or "—"
    if task.get("contact_name"):
        deal = f"{deal} ({task['contact_name']})"
    for label, value in (
        ("задача", task["title"]),
        ("сделка", f"{deal} · {task['deal_id']}"),
        ("стадия", task_kind(task)),
        ("ответственный", task.get("responsible_id") or "—"),
        ("постановщик", task.get("creator_id") or "—"),
        ("срок", when(task.get("deadline"))),
        ("статус", status),
    ):
        grid.add_row(label, value)
    parts: list[RenderableType] = [grid]
    if task.get("description"):
        parts += [Text(""), Text("Описание", style="bold"), Text(task["description"])]
    comments = task.get("comments") or []
    parts += [Text(""), Text(f"Комментарии ({len(comments)})", style="bold")]
    for c in comments:
        line = Text(f"{when(c['at'])}  ", style="dim")
        line.append(f"{c['author_id']}: ", style="bold")
        line.append(c["text"])
        parts.append(line)
    return Panel(Group(*parts), title=f"задача {task['id']}", expand=False, width=min(width, 100))
