"""The board in Chromium against the real stack: what a manager and the РОП do with it.

Each test acts as a person does (by role and visible text) and checks what they see.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import asyncpg
import pytest

from crm_shared.config import load_config
from crm_shared.devstack import free_port
from crm_shared.machinery.db import asyncpg_dsn
from gateway.bootstrap import Gateway
from gateway.entrypoints.web.render import sums as printed_sums
from tests.board_support import (
    TABLET,
    card,
    column,
    drag,
    launch,
    need_chromium,
    shot,
    sign_in,
)
from tests.conftest import reset
from tests.gateway_support import PASSWORD, Door, door, gateway_settings
from tests.support import eventually

expect = pytest.importorskip(
    "playwright.async_api",
    reason="the playwright package is not installed (pip install -e '.[dev]')",
).expect
ANNA, IVAN, MARIA = "Анна Петрова", "Иван Иванов", "Мария Смирнова"


@pytest.fixture(scope="module")
async def stand(infra: Any) -> AsyncIterator[Door]:
    """The whole stack with the gateway, once for this module."""
    need_chromium()
    await reset(infra)
    async with door(infra) as d:
        yield d


@pytest.fixture(scope="module")
async def browser(stand: Door) -> AsyncIterator[Any]:
    """One Chromium for the module."""
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        b = await launch(pw)
        yield b
        await b.close()


async def new_deal(d: Door, user: str, **fields: Any) -> dict[str, Any]:
    """A deal made through the JSON API by `user`."""
    body = {"contact": {"name": "Пётр Сидоров", "phone": "+79123456789"}, **fields}
    async with d.as_user(user) as http:
        made = await http.post("/api/deals", json=body)
        assert made.status_code == 201, made.text
        deal: dict[str, Any] = made.json()["deal"]
        return deal


def title() -> str:
    return f"Кирпич {uuid.uuid4().hex[:6]}"


async def test_a_manager_drags_a_card_fills_what_is_missing_and_another_board_sees_it(
    stand: Door, browser: Any
) -> None:
    name = title()
    await new_deal(stand, "mgr-1", title=name, amount="150000")
    ivan = await sign_in(browser, stand.url, IVAN, PASSWORD)
    anna = await sign_in(browser, stand.url, ANNA, PASSWORD)
    await card(anna, name).wait_for()  # the РОП sees every deal
    await card(ivan, name).wait_for()
    await shot(ivan, "board")

    # To «Сделали предложение»: the server refuses and the dialog asks for exactly that.
    await drag(ivan, card(ivan, name), column(ivan, "Сделали предложение"))
    dialog = ivan.get_by_role("dialog", name="Перевести в «Сделали предложение»")
    await dialog.wait_for()
    text = await dialog.inner_text()
    for field in ("Требования", "Предмет сделки", "Способ доставки"):
        assert field in text
    assert "Сумма" not in text.split("заполните:")[1].split(".")[0]  # it has one already
    await card(ivan, name).wait_for()  # snapped back
    assert await column(ivan, "Новый лид").get_by_role("link", name=name).count() == 1
    await shot(ivan, "move-dialog")

    await dialog.get_by_label("Требования").fill("20 поддонов, доставка в Тверь")
    await dialog.get_by_label("Предмет сделки").fill("Кирпич облицовочный")
    await dialog.get_by_label("Способ доставки").select_option(label="Доставка")
    await dialog.get_by_role("button", name="Сохранить и перевести").click()
    await column(ivan, "Сделали предложение").get_by_role("link", name=name).wait_for()
    assert await column(ivan, "Новый лид").get_by_role("link", name=name).count() == 0
    landed = card(ivan, name)
    assert "Кирпич облицовочный" in await landed.inner_text()
    head = ivan.get_by_role("region", name="Сделали предложение").get_by_title("Сделок")
    await expect(head).to_have_text("1", timeout=5000)  # the column's count, live

    # The РОП's board, open all along, shows the move without a reload.
    await column(anna, "Сделали предложение").get_by_role("link", name=name).wait_for(timeout=5000)
    assert await column(anna, "Новый лид").get_by_role("link", name=name).count() == 0
    await anna.context.close()
    await ivan.context.close()


async def test_a_stale_board_says_the_deal_was_changed_and_refreshes(
    stand: Door, browser: Any
) -> None:
    name = title()
    deal = await new_deal(stand, "mgr-1", title=name, requirements="10 коробок")
    ivan = await sign_in(browser, stand.url, IVAN, PASSWORD)
    await card(ivan, name).wait_for()
    # Someone else changes the deal; this board still holds the old version when dragging.
    await ivan.evaluate("document.getElementById('live-feed').remove()")
    async with stand.as_user("rop-1") as http:
        changed = await http.patch(f"/api/deals/{deal['id']}", json={"company": "ООО Стройка"})
        assert changed.status_code == 200, changed.text
    await drag(ivan, card(ivan, name), column(ivan, "Обрабатываем запрос"))
    await ivan.get_by_role("dialog", name="Cделку уже изменили").wait_for()
    await shot(ivan, "stale")
    await ivan.get_by_role("button", name="Понятно").click()
    assert await column(ivan, "Новый лид").get_by_role("link", name=name).count() == 1
    await ivan.context.close()


async def test_a_manager_never_sees_another_managers_deal(stand: Door, browser: Any) -> None:
    mine, theirs = title(), title()
    await new_deal(stand, "mgr-1", title=mine)
    ivan = await sign_in(browser, stand.url, IVAN, PASSWORD, viewport=TABLET)
    other = await new_deal(stand, "mgr-2", title=theirs)  # while Ivan's board is open
    await card(ivan, mine).wait_for()
    await new_deal(stand, "mgr-1", title=mine + " 2")  # a live event Ivan does see ...
    await card(ivan, mine + " 2").wait_for()
    assert await card(ivan, theirs).count() == 0  # ... and Maria's came before it
    await ivan.reload()
    await card(ivan, mine).wait_for()
    assert await card(ivan, theirs).count() == 0
    await shot(ivan, "board-tablet")
    reply = await ivan.goto(f"{stand.url}/deals/{other['id']}")
    assert reply is not None and reply.status in (403, 404)  # refused by the service or hidden
    # Nor can the board's own routes change it (a request made by hand, with the token).
    await ivan.go_back()
    csrf = await ivan.evaluate("document.body.dataset.csrf")
    moved = await ivan.request.post(
        f"{stand.url}/board/deals/{other['id']}/move",
        form={"to_stage": "LOST_SPAM"},
        headers={"X-CSRF-Token": csrf},
    )
    assert moved.status in (403, 404)
    await ivan.context.close()


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
    await ivan.wait_for_function(focused_in, arg="PROCESSING")  # the server's card, focused
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
        span = {"from": start, "to": (date.fromisoformat(end) + timedelta(days=1)).isoformat()}
        report = (await http.get("/api/reports/funnel", params=span)).json()["report"]
        happened = (await http.get("/api/reports/period", params=span)).json()["report"]
    assert shown[0] == str(report["created"]) and report["created"] > 0
    assert shown[1] == str(report["won"]["count"])
    assert shown[2] == printed_sums(report["won"]["sum"])
    assert shown_period[0] == str(happened["created"])
    assert shown_period[1] == str(happened["won"]["count"])
    assert shown_period[3] == str(happened["lost"])
    await anna.wait_for_function("document.querySelectorAll('canvas').length >= 4")
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
    await ivan.wait_for_function(
        "t => document.querySelector('nav a[href=\"/inbox\"]').innerText !== t", arg=before
    )
    await ivan.get_by_role("link", name="Мои задачи").click()
    row = ivan.get_by_role("listitem").filter(has=ivan.get_by_role("link", name=name))
    await row.first.get_by_role("button", name="Выполнить").click()
    await ivan.get_by_role("link", name="Входящие").click()
    await ivan.get_by_role("heading", name="Входящие").wait_for()
    await shot(ivan, "inbox")
    await ivan.get_by_role("button", name="Отметить все прочитанными").click()
    await ivan.wait_for_function(
        "() => !document.querySelector('#inbox-badge .badge')", timeout=5000
    )
    await ivan.context.close()


async def test_a_long_column_shows_more_cards_on_demand(stand: Door, browser: Any) -> None:
    async with stand.as_user("mgr-2") as http:
        for i in range(27):
            made = await http.post(
                "/api/deals", json={"title": f"Пачка {i:02d}", "contact": {"name": "Оптовик"}}
            )
            assert made.status_code == 201
    maria = await sign_in(browser, stand.url, MARIA, PASSWORD)
    first = column(maria, "Новый лид")
    await first.get_by_role("link", name="Пачка 26").wait_for()
    assert await first.get_by_role("link", name="Пачка 00").count() == 0
    await first.get_by_role("button", name="Показать ещё").click()
    await first.get_by_role("link", name="Пачка 00").wait_for()
    assert await first.get_by_role("button", name="Показать ещё").count() == 0
    await maria.context.close()


async def test_after_a_lost_connection_the_board_catches_up(
    stand: Door, browser: Any, infra: Any
) -> None:
    # A gateway of this test's own, restarted on the same port while the board is open.
    settings = replace(gateway_settings(infra), http_port=free_port())
    first = Gateway(settings, load_config())
    await first.start()
    url = f"http://127.0.0.1:{settings.http_port}"
    ivan = await sign_in(browser, url, IVAN, PASSWORD)
    await ivan.wait_for_function("document.body.dataset.live === 'on'")
    await first.stop()
    await ivan.wait_for_function("document.body.dataset.live === 'lost'", timeout=10_000)
    name = title()
    await new_deal(stand, "mgr-1", title=name)  # made while the board is cut off
    second = Gateway(settings, load_config())
    await second.start()
    try:
        await card(ivan, name).wait_for(timeout=20_000)
        await ivan.wait_for_function("document.body.dataset.live === 'on'")
    finally:
        await ivan.context.close()
        await second.stop()


async def test_a_deal_made_by_hand(stand: Door, browser: Any) -> None:
    name = title()
    maria = await sign_in(browser, stand.url, MARIA, PASSWORD, viewport=TABLET)
    await maria.get_by_role("button", name="+ Новая сделка").click()
    dialog = maria.get_by_role("dialog", name="Новая сделка")
    await dialog.get_by_label("Название").fill(name)
    await dialog.get_by_label("Имя контакта").fill("Ольга Кузнецова")
    await dialog.get_by_label("Сумма").fill("12 500,50")
    await shot(maria, "new-deal")
    await dialog.get_by_role("button", name="Создать").click()
    await maria.get_by_role("heading", name=name).wait_for()
    assert await maria.get_by_label("Сумма").input_value() == "12500.50"
    await maria.get_by_role("link", name="← Доска").click()
    await column(maria, "Новый лид").get_by_role("link", name=name).wait_for()
    await maria.context.close()


async def test_the_rop_filters_the_board_by_manager_live_too(stand: Door, browser: Any) -> None:
    anna = await sign_in(browser, stand.url, ANNA, PASSWORD)
    await anna.get_by_label("Менеджер").select_option(label=MARIA)
    await anna.wait_for_url("**/board?manager=mgr-2")
    await anna.wait_for_function("document.body.dataset.live === 'on'")
    ivans, marias = title(), title()
    await new_deal(stand, "mgr-1", title=ivans)
    await new_deal(stand, "mgr-2", title=marias)
    await card(anna, marias).wait_for()
    assert await card(anna, ivans).count() == 0
    await anna.context.close()
