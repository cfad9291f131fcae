"""Issue 22 in Chromium against the real stack, as people do it: a caller found by the phone
as the caller id shows it, a task for tomorrow 15:00 under Завтра whose lapse reaches the
РОП, a request the РОП declines with the reason in the manager's inbox, and the deal's feed
in order. Screenshots go to .crm-data/artefacts/ (find-*.png)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from gateway.domain.days import local_day
from tests.board_support import ZONE, new_deal, shot, sign_in, title
from tests.gateway_support import PASSWORD, Door
from tests.support import eventually

pytest.importorskip("playwright.async_api", reason="the playwright package is not installed")
ANNA, IVAN = "Анна Петрова", "Иван Иванов"


async def _tasks(stand: Door, deal_id: str) -> list[dict[str, Any]]:
    async with stand.as_user("rop-1") as http:
        items: list[dict[str, Any]] = (
            await http.get("/api/tasks", params={"deal_id": deal_id})
        ).json()["items"]
        return items


async def test_a_caller_is_found_by_the_phone_as_the_caller_id_shows_it(
    stand: Door, browser: Any
) -> None:
    name = title()
    contact = {"name": "Ольга Звонарёва", "phone": "+7 912 555-01-02"}
    await new_deal(stand, "mgr-1", title=name, contact=contact)
    ivan = await sign_in(browser, stand.url, IVAN, PASSWORD)
    box = ivan.get_by_role("searchbox", name="Найти клиента")
    await box.fill("8 912 555 01 02")
    await box.press("Enter")
    await ivan.get_by_role("heading", name="Поиск клиента").wait_for()
    found = ivan.get_by_role("region", name="Сделки")
    await found.get_by_role("link", name=name).wait_for()
    assert "Новый лид" in await found.inner_text()
    await shot(ivan, "find-search", full=True)
    await (
        ivan.get_by_role("region", name="Контакты")
        .get_by_role("link", name="Ольга Звонарёва")
        .click()
    )
    await ivan.get_by_role("heading", name="Ольга Звонарёва").wait_for()
    await (
        ivan.get_by_role("region", name=re.compile("^Сделки"))
        .get_by_role("link", name=name)
        .wait_for()
    )
    # the phone as people write it (kept as +79125550102)
    assert "+7 912 555-01-02" in await ivan.get_by_role("region", name="Контакт").inner_text()
    await shot(ivan, "find-contact", full=True)
    await ivan.context.close()


async def test_a_task_for_tomorrow_shows_under_tomorrow_and_its_lapse_reaches_the_rop(
    stand: Door, browser: Any
) -> None:
    name = title()
    deal = await new_deal(stand, "mgr-1", title=name)
    await eventually(lambda: _tasks(stand, deal["id"]))
    ivan = await sign_in(browser, stand.url, IVAN, PASSWORD)
    await ivan.goto(f"{stand.url}/deals/{deal['id']}")
    form = ivan.get_by_role("region", name="Новая задача")
    # A deadline in the past: said in Russian (never the service's English with its UTC
    # time), and what was typed stays in the form.
    await form.get_by_label("Что сделать").fill("Задача в прошлом")
    # The day and the time as people type them (дд.мм.гггг, ЧЧ:ММ), in text inputs: the
    # browser's own date and time inputs showed mm/dd/yyyy and AM/PM in an English Chromium.
    day = form.get_by_label("Дата срока")
    assert (await day.get_attribute("type"), await day.get_attribute("placeholder")) == (
        None,
        "дд.мм.гггг",
    )
    assert await form.get_by_label("Время срока").get_attribute("placeholder") == "ЧЧ:ММ"
    await day.fill("01.01.2020")
    await form.get_by_label("Время срока").fill("10:00")
    await form.get_by_role("button", name="Поставить задачу").click()
    await form.get_by_role("alert").filter(has_text="Этот срок уже прошёл").wait_for()
    assert await form.get_by_label("Что сделать").input_value() == "Задача в прошлом"
    assert await form.get_by_label("дата и время").is_checked()
    assert await form.get_by_label("Дата срока").input_value() == "01.01.2020"
    await shot(ivan, "find-task-past-deadline", full=True)
    # A day that is none: refused naming the field, in Russian, and what was typed stays.
    await form.get_by_label("Дата срока").fill("31.02.2027")
    await form.get_by_role("button", name="Поставить задачу").click()
    await form.get_by_role("alert").filter(has_text="Дата срока: «31.02.2027» — не дата").wait_for()
    assert await form.get_by_label("Дата срока").input_value() == "31.02.2027"
    assert await form.get_by_label("Время срока").input_value() == "10:00"
    await form.get_by_label("Что сделать").fill("Перезвонить в 15:00")
    # Tomorrow in the stand's zone (Yekaterinburg), not the default Moscow: the two differ
    # for two hours each evening.
    tomorrow = (local_day(datetime.now(UTC), ZoneInfo(ZONE)) + timedelta(days=1)).strftime(
        "%d.%m.%Y"
    )
    await form.get_by_label("завтра в 10:00").check()
    await form.get_by_label("Дата срока").fill(tomorrow)
    assert await form.get_by_label("дата и время").is_checked()  # typing a day chose it
    await form.get_by_label("Время срока").fill("15:00")
    await shot(ivan, "find-task-form", full=True)
    await form.get_by_role("button", name="Поставить задачу").click()
    tasks = ivan.get_by_role("region", name="Задачи")
    await ivan.get_by_text("Перезвонить в 15:00").first.wait_for()
    assert "Постановщик: Иван Иванов" in await ivan.locator("#deal-card").inner_text()
    # the deadline as typed, on the stand's clock (sent to the services in UTC)
    row = tasks.get_by_role("listitem").filter(has_text="Перезвонить в 15:00")
    assert f"до {tomorrow} 15:00" in await row.inner_text()
    [own] = [t for t in await _tasks(stand, deal["id"]) if t["kind"] == "own"]
    typed_at = datetime.strptime(f"{tomorrow} 15:00", "%d.%m.%Y %H:%M")
    assert datetime.fromisoformat(own["deadline"]) == typed_at.replace(tzinfo=ZoneInfo(ZONE))
    assert own["deadline"].endswith(("Z", "+00:00")), own["deadline"]
    await shot(ivan, "find-deal-task", full=True)
    await ivan.get_by_role("link", name="Мои задачи").click()
    later = ivan.get_by_role("region", name=re.compile("^Завтра"))
    await later.get_by_text("Перезвонить в 15:00").wait_for()
    assert (
        "Перезвонить в 15:00"
        not in await ivan.get_by_role("region", name=re.compile("^Сегодня")).inner_text()
    )
    await shot(ivan, "find-my-tasks", full=True)
    # Moved on My tasks, it goes to its new day's group at once (it stayed where it was,
    # with its new deadline, until a reload).
    row = later.get_by_role("listitem").filter(has_text="Перезвонить в 15:00")
    await row.get_by_text("Перенести срок").click()
    after = (local_day(datetime.now(UTC), ZoneInfo(ZONE)) + timedelta(days=3)).strftime("%d.%m.%Y")
    await row.get_by_label("Дата срока").fill(after)
    await row.get_by_label("Причина переноса").fill("клиент в отъезде")
    await row.get_by_role("button", name="Перенести").click()
    moved_to = ivan.get_by_role("region", name=re.compile("^Позже"))
    await moved_to.get_by_text("Перезвонить в 15:00").wait_for()
    assert "Перезвонить в 15:00" not in await later.inner_text()

    # Its lapse: the manager moves it to a moment from now (the watcher fires at it).
    soon = (datetime.now(UTC) + timedelta(seconds=2)).isoformat()
    async with stand.as_user("mgr-1") as http:
        body = {"deadline": soon, "reason": "клиент перезвонит сам"}
        moved = await http.post(f"/api/tasks/{own['id']}/reschedule", json=body)
        assert moved.status_code == 200, moved.text
    anna = await sign_in(browser, stand.url, ANNA, PASSWORD)

    async def told() -> bool:
        await anna.goto(f"{stand.url}/inbox")
        return "Перезвонить в 15:00» по сделке" in await anna.locator("main").inner_text()

    await eventually(told, timeout=20, interval=0.5)
    await shot(anna, "find-rop-inbox-lapse", full=True)
    await ivan.context.close()
    await anna.context.close()


async def test_the_rop_declines_and_the_manager_reads_why(stand: Door, browser: Any) -> None:
    name = title()
    deal = await new_deal(stand, "mgr-1", title=name)
    async with stand.as_user("mgr-1") as http:
        for _ in range(3):
            await http.post(f"/api/deals/{deal['id']}/contact-attempts", json={})
        asked = await http.post(
            f"/api/deals/{deal['id']}/move", json={"to_stage": "LOST_NO_CONTACT"}
        )
        assert asked.json()["error"]["code"] == "rop_approval_required"
    anna = await sign_in(browser, stand.url, ANNA, PASSWORD)
    await anna.get_by_role("link", name="РОП").click()
    waiting = anna.get_by_role("region", name="Ждут согласования")
    row = waiting.get_by_role("listitem").filter(has_text=name)
    await row.get_by_label("Причина отказа").fill("Позвоните ещё раз вечером")
    await row.get_by_role("button", name="Отказать").click()
    said = waiting.get_by_role("status").filter(has_text="Отказано")
    await said.wait_for()
    # It names the deal, as «Согласовано» does, and links to it (it said only «Отказано.
    # Причина: …», so a РОП answering several requests could not tell which one it was).
    assert await said.inner_text() == (
        f"Отказано: «{name}» (Пётр Сидоров) не переведена в «Перестал выходить на связь». "
        "Причина: Позвоните "
        "ещё раз вечером. Менеджер получил уведомление. Открыть сделку"
    )
    link = said.get_by_role("link", name="Открыть сделку")
    assert await link.get_attribute("href") == f"/deals/{deal['id']}"
    await shot(anna, "find-rop-page", full=True)
    ivan = await sign_in(browser, stand.url, IVAN, PASSWORD)

    async def told() -> bool:
        await ivan.goto(f"{stand.url}/inbox")
        return "Позвоните ещё раз вечером" in await ivan.locator("main").inner_text()

    await eventually(told, timeout=20, interval=0.5)
    assert "не согласовал(а) перевод" in await ivan.locator("main").inner_text()
    await shot(ivan, "find-manager-inbox-declined", full=True)
    await ivan.context.close()
    await anna.context.close()


async def test_the_feed_shows_a_note_a_field_change_and_a_move_in_order(
    stand: Door, browser: Any
) -> None:
    name = title()
    deal = await new_deal(stand, "mgr-1", title=name, requirements="кирпич М150")
    ivan = await sign_in(browser, stand.url, IVAN, PASSWORD)
    await ivan.goto(f"{stand.url}/deals/{deal['id']}")
    feed = ivan.get_by_role("region", name="Лента сделки")
    await feed.get_by_label("Запись в ленту").fill("Клиент в отпуске до 15-го")
    await feed.get_by_role("button", name="Добавить заметку").click()
    await feed.get_by_text("заметка: Клиент в отпуске до 15-го").wait_for()
    await ivan.get_by_label("Название").fill(f"{name} М200")
    await ivan.get_by_role("button", name="Сохранить").click()
    await ivan.get_by_role("status").filter(has_text="Сохранено").wait_for()
    await ivan.get_by_label("На стадию").select_option(label="Обрабатываем запрос")
    await ivan.get_by_role("button", name="Перевести").click()
    await ivan.locator(".stage-pill", has_text="Обрабатываем запрос").wait_for()
    feed = ivan.get_by_role("region", name="Лента сделки")
    await feed.get_by_text("стадия: Новый лид → Обрабатываем запрос").wait_for()
    lines = await feed.get_by_role("listitem").all_inner_texts()

    def first(text: str) -> int:
        return next(i for i, line in enumerate(lines) if text in line)

    move, change, note = (
        first("стадия: Новый лид → Обрабатываем запрос"),
        first(f"Название: {name} → {name} М200"),
        first("заметка: Клиент в отпуске до 15-го"),
    )
    assert move < change < note, lines  # newest first
    await shot(ivan, "find-feed", full=True)
    await ivan.context.close()
