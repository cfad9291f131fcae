"""`crm`'s tables on an ordinary terminal: short ids, whole headers, words never cut to letters."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from rich.console import Console

from crm_cli.deliveries import deliveries_table
from crm_cli.render import deal_panel, deals_table, tasks_table
from crm_cli.tables import short_ids


def _deals() -> list[dict[str, Any]]:
    stages = ["NEW_LEAD", "LOST_NO_CONTACT", "PAYMENT_RECEIVED"]
    return [
        {
            "id": str(uuid.uuid4()),
            "stage": stage,
            "contact": {"name": "Пётр Иванович Сидоров"},
            "title": "Кирпич красный облицовочный, 20 поддонов",
            "amount": "150000.00",
            "currency": "RUB",
            "responsible_id": "mgr-1",
            "created_at": "2026-11-30T10:00:00+00:00",
        }
        for stage in stages
    ]


def _tasks(deals: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "id": str(uuid.uuid4()),
            "deal_id": d["id"],
            "stage": "PROCESSING",
            "title": "Пётр. Уточнить необходимую информацию и сделать КП",
            "responsible_id": "mgr-1",
            "deadline": "2026-11-30T10:00:00+00:00",
            "status": "open",
        }
        for d in deals
    ]


def _render(table: Any, width: int) -> str:
    console = Console(width=width, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    console.print(table)
    return console.export_text()


def _words(text: str) -> set[str]:
    # split at plain spaces only: «150 000 ₽» holds its no-break spaces (one word)
    return {w for line in text.splitlines() for w in line.replace("│", " ").split(" ") if w}


@pytest.mark.parametrize("width", [80, 200])
def test_tables_fit_and_keep_headers_and_words_whole(width: int) -> None:
    deals = _deals()
    tasks = _tasks(deals)
    deliveries: list[dict[str, Any]] = [
        {
            "id": str(uuid.uuid4()),
            "channel": "webhook",
            "user_id": "mgr-1",
            "target": "https://hooks.example.com/crm/notifications",
            "attempts": 5,
            "last_attempt_at": "2026-11-30T10:00:00+00:00",
            "last_error": "HTTP 503 Service Unavailable",
        }
        for _ in range(3)
    ]
    for table, rows, headers, whole in (
        (
            deals_table(deals, width=width),
            deals,
            ["№", "стадия", "контакт", "сумма", "ответственный"],
            ("Перестал", "Сидоров", "150\u00a0000\u00a0₽", "mgr-1"),
        ),
        (
            tasks_table(tasks, width=width),
            tasks,
            ["№", "стадия", "задача", "срок", "статус"],
            ("Обрабатываем", "необходимую", "открыта"),
        ),
        (
            deliveries_table(deliveries, width=width),
            deliveries,
            ["№", "канал", "кому", "последняя ошибка"],
            ("вебхук", "mgr-1", "503"),
        ),
    ):
        text = _render(table, width)
        assert max(len(line) for line in text.splitlines()) <= width, text
        header_line = text.splitlines()[1]
        for header in headers:
            assert f" {header} " in header_line, text
        words = _words(text)
        for word in whole:
            assert word in words, text
        for row in rows:  # each row's own id, short
            assert row["id"][:8] in text and row["id"] not in text, text


def test_wide_terminal_shows_every_column_and_wide_keeps_them_at_80() -> None:
    deals = _deals()
    assert "создана" in _render(deals_table(deals, width=200), 200)
    assert "создана" not in _render(deals_table(deals, width=80), 80)
    wide = deals_table(deals, width=80, wide=True)
    assert "создана" in _render(wide, 300) and "название" in _render(wide, 300)


def test_wide_shows_every_column_of_a_deals_tasks() -> None:
    deals = _deals()
    deal = {**deals[0], "version": 1}
    tasks = _tasks(deals)
    at_80 = _render(deal_panel(deal, tasks, width=80), 80)
    assert " ответственный " not in at_80 and " статус " in at_80, at_80
    wide = _render(deal_panel(deal, tasks, width=80, wide=True), 300)
    for header in ("№", "стадия", "задача", "ответственный", "срок", "статус"):
        assert f" {header} " in wide, wide


def _closed(tasks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**t, "status": "closed", "close_reason": "stage_left"} for t in tasks]


@pytest.mark.parametrize("width", [60, 80, 100])
def test_a_closed_task_never_reads_as_open_work(width: int) -> None:
    """The status is the column that stays: at 80 columns a won deal's closed stage tasks
    were listed with their deadlines and no «статус» (it went first), as if still to do."""
    deals = _deals()
    tasks = _tasks(deals[:1]) + _closed(_tasks(deals[1:]))
    for table in (
        tasks_table(tasks, width=width),
        tasks_table(tasks, with_responsible=False, width=width),  # `task list --mine`
    ):
        text = _render(table, width)
        assert max(len(line) for line in text.splitlines()) <= width, text
        assert " статус " in text.splitlines()[1], text
        assert text.count("открыта") == 1 and text.count("закрыта:") == 2, text
    mine = _render(tasks_table(tasks, with_responsible=False, width=width, wide=True), 300)
    assert " ответственный " not in mine  # all of them the reader's own
    deal = {**deals[0], "version": 1}
    card = _render(deal_panel(deal, list(reversed(tasks)), width=width), width)
    assert max(len(line) for line in card.splitlines()) <= width, card
    assert "Задачи (открытых: 1, закрытых: 2)" in card, card
    assert " статус " in card, card
    # the open one first, then the closed ones
    assert card.index("открыта") < card.index("закрыта:"), card


def test_short_ids_grow_where_two_would_clash() -> None:
    a = "4c89006d-0000-4000-8000-000000000001"
    b = "4c89006d-1111-4000-8000-000000000002"
    c = "9f00aa11-0000-4000-8000-000000000003"
    assert short_ids([a, b, c]) == {a: "4c89006d-0", b: "4c89006d-1", c: "9f00aa11"}


def test_a_task_without_a_stage_is_named_by_its_kind() -> None:
    """A person's own task has no stage either: it is «своя», not the РОП task (issue 22)."""
    from crm_cli.render import task_kind

    assert task_kind({"stage": None, "kind": "own"}) == "своя"
    assert task_kind({"stage": None, "kind": "rop"}) == "РОП"
    assert task_kind({"stage": None}) == "РОП"  # a task from before kinds


def test_a_task_status_and_counts_read_in_russian() -> None:
    """«закрыта: выполнена», not «closed: completed»; «5 сделок», not «5 deal(s)» (issue 21)."""
    from crm_shared.locale import count, task_status

    assert task_status("open") == "открыта"
    assert task_status("closed", "completed") == "закрыта: выполнена"
    assert task_status("closed", "stage_left") == "закрыта: сделка ушла со стадии"
    forms = ("сделка", "сделки", "сделок")
    assert [count(n, *forms) for n in (1, 3, 5, 11, 21, 112)] == [
        "1 сделка",
        "3 сделки",
        "5 сделок",
        "11 сделок",
        "21 сделка",
        "112 сделок",
    ]


def test_a_deal_names_its_people() -> None:
    """A walkthrough: `crm deal show` said «Ответственный mgr-2»; a person reads the name
    (and keeps the id, which the commands take)."""
    deal = {**_deals()[0], "version": 1, "responsible_id": "mgr-2", "rop_id": "gone-9"}
    card = _render(deal_panel(deal, width=120), 120)
    assert "Мария Смирнова (mgr-2)" in card, card
    assert "gone-9" in card  # a user the configuration no longer has: the id alone
