"""The board's other pages in Chromium against the real stack: a deal's card, My tasks, the
РОП's page (lapsed tasks, the report, approvals) and the inbox's live badge.

Each test acts as a person does (by role and visible text) and checks what they see; the
funnel page is in test_board_browser.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from crm_shared.locale import day_start, parse_day
from crm_shared.machinery.db import asyncpg_dsn
from gateway.entrypoints.web.render import sums as printed_sums
from tests.board_support import (
    ZONE,
    card,
    column,
    drag,
    new_deal,
    shot,
    sign_in,
    title,
    wait_until,
)
from tests.gateway_support import PASSWORD, Door
from tests.support import eventually

expect = pytest.importorskip(
    "playwright.async_api",
    reason="the playwright package is not installed (pip install -e '.[dev]')",
).expect
ANNA, IVAN, MARIA = "Анна Петрова", "Иван Иванов", "Мария Смирнова"


async def test_the_deal_card_edits_logs_a_contact_attempt_and_moves_by_keyboard(
    stand: Door, browser: Any
) -> None:
    name = title()
    await new_deal(stand, "mgr-1", title=name, requirements="кирпич М150")
    ivan = await sign_in(browser, stand.url, IVAN, PASSWORD)
    # On the board: → moves the focused card to the next column, ← back.
    await card(ivan, name).get_by_role("link", name=name).focus()
    focused_in = "s => document.activeElement.closest('.card')?.dataset.stage === s"
    await ivan.keyboard.press("ArrowRight")
    await column(ivan, "Обрабатываем запрос").get_by_role("link", name=name).wait_for()
    await wait_until(ivan, focused_in, arg="PROCESSING")  # the server's card, focused
    await ivan.keyboard.press("ArrowLeft")
    await column(ivan, "Новый лид").get_by_role("link", name=name).wait_for()
    assert await ivan.evaluate("document.activeElement.textContent") == name
    await ivan.keyboard.press("Enter")
    await ivan.get_by_role("heading", name=name).wait_for()
    await ivan.get_by_label("Как платит").select_option(label="По счёту")
    await ivan.get_by_label("Сегментация").fill("Строители")
    await ivan.get_by_role("button", name="Сохранить").click()
    await ivan.get_by_role("status").filter(has_text="Сохранено").wait_for()
    await ivan.get_by_label("Заметка").fill("Не взял трубку")
    await ivan.get_by_role("button", name="Не удалось связаться").click()
    await ivan.get_by_text("Неудачных попыток на этой стадии: 1").wait_for()
    await ivan.get_by_text("Не взял трубку", exact=False).first.wait_for()
    assert await ivan.get_by_label("Сегментация").input_value() == "Строители"
    await shot(ivan, "deal-card", full=True)
    # From the card: the stage from a list, with the keyboard.
    await ivan.get_by_label("На стадию").select_option(label="Обрабатываем запрос")
    await ivan.get_by_label("На стадию").press("Tab")
    await ivan.keyboard.press("Enter")
    await ivan.locator(".stage-pill", has_text="Обрабатываем запрос").wait_for()
    history = ivan.get_by_role("region", name="История стадий")
    await history.get_by_text("Новый лид → Обрабатываем запрос").first.wait_for()
    await ivan.context.close()


async def test_the_deal_page_moves_through_the_dialog_and_shows_the_deal_as_it_now_is(
    stand: Door, browser: Any
) -> None:
    """The deal's own page offers the next stage first (one click never sends a deal back),
    and a move that the dialog of missing fields completes shows the page anew: the stage,
    the fields and the story as they now are (it used to keep the old page until a reload)."""
    name = title()
    deal = await new_deal(stand, "mgr-1", title=name, amount="150000")
    ivan = await sign_in(browser, stand.url, IVAN, PASSWORD)
    await ivan.goto(f"{stand.url}/deals/{deal['id']}")
    stage = ivan.get_by_label("На стадию")
    assert await stage.input_value() == "PROCESSING"  # «Обрабатываем запрос», not «Новый лид»
    await stage.select_option(label="Сделали предложение")
    await ivan.get_by_role("button", name="Перевести", exact=True).click()
    dialog = ivan.get_by_role("dialog", name="Перевести в «Сделали предложение»")
    await dialog.get_by_label("Требования").fill("20 поддонов")
    await dialog.get_by_label("Предмет сделки").fill("Кирпич облицовочный")
    await dialog.get_by_label("Способ доставки").select_option(label="Доставка")
    await dialog.get_by_role("button", name="Сохранить и перевести").click()
    await ivan.locator(".stage-pill", has_text="Сделали предложение").wait_for(timeout=10_000)
    history = ivan.get_by_role("region", name="История стадий")
    await history.get_by_text("Новый лид → Сделали предложение").first.wait_for()
    assert await ivan.get_by_label("Требования").input_value() == "20 поддонов"
    assert await ivan.get_by_label("На стадию").input_value() != "NEW_LEAD"
    await shot(ivan, "deal-moved-by-dialog", full=True)
    await ivan.context.close()


async def test_my_tasks_complete_and_comment(stand: Door, browser: Any) -> None:
    name = title()
    deal = await new_deal(stand, "mgr-1", title=name)
    ivan = await sign_in(browser, stand.url, IVAN, PASSWORD)
    async with stand.as_user("mgr-1") as http:

        async def opened() -> Any:
            reply = await http.get("/api/tasks", params={"deal_id": deal["id"]})
            return reply.json()["items"]

        await eventually(opened)
    await ivan.get_by_role("link", name="Мои задачи").click()
    await ivan.get_by_role("heading", name="Мои задачи").wait_for()
    row = ivan.get_by_role("listitem").filter(has=ivan.get_by_role("link", name=name)).first
    await row.wait_for()
    await row.get_by_label("Комментарий к задаче").fill("Клиент просит перезвонить завтра")
    await row.get_by_role("button", name="Комментировать").click()
    await row.get_by_text("Клиент просит перезвонить завтра").wait_for()
    await shot(ivan, "tasks")
    await row.get_by_role("button", name="Выполнить").click()
    await row.get_by_text("выполнена").wait_for()
    await ivan.context.close()


async def test_the_rop_view_lapsed_tasks_and_report_totals_equal_the_analytics_queries(
    stand: Door, browser: Any, infra: Any
) -> None:
    await new_deal(stand, "mgr-2", title=title(), amount="7000")
    late = await new_deal(stand, "mgr-1", title=title())
    async with stand.as_user("mgr-1") as http:

        async def its_task() -> Any:
            reply = await http.get("/api/tasks", params={"deal_id": late["id"]})
            return reply.json()["items"]

        task = (await eventually(its_task))[0]
        said = await http.post(
            f"/api/tasks/{task['id']}/comments", json={"text": "Клиент в отпуске до понедельника"}
        )
        assert said.status_code == 200, said.text
    # The task lapses: its deadline is put in the past (rather than waiting an hour).
    conn = await asyncpg.connect(asyncpg_dsn(infra.database_url))
    try:
        await conn.execute(
            "UPDATE task.tasks SET deadline = now() - interval '2 hours' WHERE id = $1",
            task["id"],
        )
    finally:
        await conn.close()
    anna = await sign_in(browser, stand.url, ANNA, PASSWORD)
    await anna.get_by_role("link", name="РОП").click()
    await anna.get_by_role("heading", name="Воронка сделок, созданных за период").wait_for()
    lapsed = anna.get_by_role("region", name="Просроченные задачи")
    await lapsed.get_by_role("heading", name=IVAN).wait_for()
    row = lapsed.get_by_role("row").filter(has_text=late["title"])
    assert "Клиент в отпуске до понедельника" in await row.inner_text()
    start = await anna.get_by_label("С", exact=True).input_value()
    end = await anna.get_by_label("По", exact=True).input_value()
    funnel = anna.get_by_role("region", name="Воронка сделок, созданных за период")
    shown = await funnel.get_by_role("definition").all_inner_texts()
    period = anna.get_by_role("region", name="Что произошло за период")
    shown_period = await period.get_by_role("definition").all_inner_texts()
    async with stand.as_user("rop-1") as http:
        # the page's days begin at midnight in the configured zone (dd.mm.yyyy inputs)
        first, last = parse_day(start), parse_day(end) + timedelta(days=1)
        zone = ZoneInfo(ZONE)
        span = {"from": day_start(first, zone).isoformat(), "to": day_start(last, zone).isoformat()}
        report = (await http.get("/api/reports/funnel", params=span)).json()["report"]
        happened = (await http.get("/api/reports/period", params=span)).json()["report"]
    assert shown[0] == str(report["created"]) and report["created"] > 0
    assert shown[1] == str(report["won"]["count"])
    assert shown[2] == printed_sums(report["won"]["sum"])
    assert shown_period[0] == str(happened["created"])
    assert shown_period[1] == str(happened["won"]["count"])
    assert shown_period[3] == str(happened["lost"])
    # every chart drawn (a chart with nothing to draw says «Нет данных» and has no canvas)
    drawn = "[...document.querySelectorAll('canvas')].every(c => window.Chart && Chart.getChart(c))"
    await wait_until(anna, drawn)
    # The weekly won sums: a chart a currency won in, or «Нет данных» when nothing won has a sum.
    won = sum(1 for v in happened["won"]["sum"].values() if Decimal(v))
    assert await period.locator("canvas[id^='chart-won-']").count() == won
    assert await period.get_by_text("Нет данных", exact=True).count() == int(not won)
    await shot(anna, "rop", full=True)
    await anna.context.close()


async def test_the_rop_agrees_to_a_no_contact_request(stand: Door, browser: Any) -> None:
    name = title()
    deal = await new_deal(stand, "mgr-1", title=name, requirements="кирпич М150")
    async with stand.as_user("mgr-1") as http:
        for note in ("не взял трубку", "абонент недоступен", "сбросил"):
            logged = await http.post(
                f"/api/deals/{deal['id']}/contact-attempts", json={"note": note}
            )
            assert logged.status_code == 200, logged.text
    ivan = await sign_in(browser, stand.url, IVAN, PASSWORD)
    await drag(ivan, card(ivan, name), column(ivan, "Перестал выходить на связь"))
    asked = ivan.get_by_role("dialog", name="Перевести в «Перестал выходить на связь»")
    await asked.wait_for()
    assert "согласия РОП" in await asked.inner_text()
    await shot(ivan, "approval-asked")
    await asked.get_by_role("button", name="Понятно").click()
    await column(ivan, "Новый лид").get_by_role("link", name=name).wait_for()

    anna = await sign_in(browser, stand.url, ANNA, PASSWORD)
    async with stand.as_user("rop-1") as http:  # the inbox read: the request still waits
        assert (await http.post("/api/notifications/read", json={"all": True})).status_code == 200
    await anna.get_by_role("link", name="РОП").click()
    requests = anna.get_by_role("region", name="Ждут согласования")
    await requests.wait_for()
    request = requests.get_by_role("listitem").filter(has_text=name)
    await expect(request).to_contain_text("Иван Иванов просит перевести")
    await shot(anna, "approval-waiting")
    await request.get_by_role("button", name="Согласовать").click()
    await requests.get_by_text("Согласовано").wait_for()
    await shot(anna, "approval-agreed")
    # Ivan's board, open all along, loses the card: the deal is closed.
    await card(ivan, name).wait_for(state="detached", timeout=5000)
    await anna.context.close()
    await ivan.context.close()


async def test_the_inbox_badge_counts_live_and_clears_when_read(stand: Door, browser: Any) -> None:
    async with stand.as_user("mgr-1") as http:
        if (await http.get("/api/notifications")).status_code == 503:
            pytest.skip("the inbox (crm.query.notify.list) is not in the notifier on this branch")
    name = title()
    ivan = await sign_in(browser, stand.url, IVAN, PASSWORD)
    badge = ivan.get_by_role("link", name="Входящие")
    before = await badge.inner_text()
    await new_deal(stand, "mgr-1", title=name)  # its stage task is assigned to Ivan
    await wait_until(
        ivan, "t => document.querySelector('nav a[href=\"/inbox\"]').innerText !== t", arg=before
    )
    await ivan.get_by_role("link", name="Мои задачи").click()
    row = ivan.get_by_role("listitem").filter(has=ivan.get_by_role("link", name=name))
    await row.first.get_by_role("button", name="Выполнить").click()
    await ivan.get_by_role("link", name="Входящие").click()
    await ivan.get_by_role("heading", name="Входящие").wait_for()
    await shot(ivan, "inbox")
    await ivan.get_by_role("button", name="Отметить все прочитанными").click()
    await wait_until(ivan, "() => !document.querySelector('#inbox-badge .badge')", timeout=5000)
    await ivan.context.close()
