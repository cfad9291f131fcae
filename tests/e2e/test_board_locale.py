"""Their clock and their language in Chromium (issue 21): the browser in UTC and ru-RU, the
configuration in Asia/Yekaterinburg (tests/board_support's stand). Times read in the
configured zone whatever the browser's; a refusal reads in Russian in the dialog and in the
notice; no page or dialog of the board holds an English sentence.

The walk saves a screenshot of each page as `page-*.png` under .crm-data/artefacts/ (the
ones in docs/img/ are copied from there).
"""

from __future__ import annotations

import re
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from crm_shared.locale import moment
from tests.board_support import ZONE, card, column, drag, new_deal, shot, sign_in, title, wait_until
from tests.gateway_support import PASSWORD, Door
from tests.support import eventually

pytest.importorskip("playwright.async_api", reason="the playwright package is not installed")
ANNA, IVAN = "Анна Петрова", "Иван Иванов"
# Latin words a Russian page may hold: brand and format names («e-mail» too), currency
# codes, keys.
ALLOWED = {"CRM", "E", "e", "mail", "RUB", "USD", "EUR", "KZT", "BYN", "CNY", "Enter"}
# Things that are not words: ids and codes with a digit (mgr-1, uuids, «Кирпич 3fa2c1»),
# e-mail addresses, URLs.
NOT_WORDS = re.compile(r"\S+@\S+|https?://\S+|[\w-]*\d[\w-]*")
# Everything a person reads on a page: its text and the attributes said aloud or on hover.
READ = """() => [document.title, document.body.innerText,
  ...[...document.querySelectorAll('[title],[placeholder],[aria-label],option,[value]')]
    .filter(e => e.type !== 'hidden' && e.tagName !== 'OPTION' || e.tagName === 'OPTION')
    .map(e => [e.title, e.placeholder, e.getAttribute('aria-label'),
               e.tagName === 'OPTION' ? e.textContent : ''].join(' '))].join('\\n')"""


def english(text: str) -> list[str]:
    """The Latin words of `text` that are not allowed: a sign of English a person reads."""
    return [w for w in re.findall(r"[A-Za-z]+", NOT_WORDS.sub(" ", text)) if w not in ALLOWED]


async def russian_only(page: Any, what: str) -> None:
    """Fail, naming the page, on an English word in what the page shows."""
    words = english(await page.evaluate(READ))
    assert not words, f"{what}: English on the page: {sorted(set(words))}"
    await shot(page, f"page-{what}", full=True)


def test_the_heuristic_catches_english_and_lets_ids_through() -> None:
    assert english("Сделка mgr-1 · 1 000 ₽ RUB · E-mail: a@b.ru · 3f2a1b4c-0000-4000-8000-00") == []
    assert english("Такой переход не разрешён. a deal with 'pickup' reaches WON") != []


async def _open_task(d: Door, deal_id: str) -> dict[str, Any]:
    async with d.as_user("mgr-1") as http:

        async def opened() -> Any:
            return (await http.get("/api/tasks", params={"deal_id": deal_id})).json()["items"]

        task: dict[str, Any] = (await eventually(opened))[0]
        return task


async def test_a_tasks_deadline_reads_in_the_configured_zone(stand: Door, browser: Any) -> None:
    name = title()
    deal = await new_deal(stand, "mgr-1", title=name)
    deadline = (await _open_task(stand, deal["id"]))["deadline"]
    local, utc = moment(deadline, ZoneInfo(ZONE)), moment(deadline, ZoneInfo("UTC"))
    assert local != utc  # five hours apart: the browser's UTC would be caught
    ivan = await sign_in(browser, stand.url, IVAN, PASSWORD)
    shown = await card(ivan, name).inner_text()
    assert f"до {local}" in shown and utc not in shown, shown
    await ivan.get_by_role("link", name="Мои задачи").click()
    row = ivan.get_by_role("listitem").filter(has=ivan.get_by_role("link", name=name)).first
    assert f"до {local}" in await row.inner_text()
    await ivan.goto(f"{stand.url}/deals/{deal['id']}")
    assert f"до {local}" in await ivan.get_by_role("region", name="Задачи").inner_text()
    # The notice of the new task says the deadline on the same clock, with no «UTC».
    await ivan.get_by_role("link", name="Входящие").click()
    notice = ivan.get_by_role("listitem").filter(has_text=name).first
    await notice.wait_for()
    text = await notice.inner_text()
    assert f"Срок: {local}" in text and "UTC" not in text, text
    await ivan.context.close()


async def test_a_refused_won_of_a_pickup_deal_reads_in_russian(stand: Door, browser: Any) -> None:
    name = title()
    await new_deal(stand, "mgr-1", title=name, delivery_method="pickup")
    ivan = await sign_in(browser, stand.url, IVAN, PASSWORD)
    await drag(ivan, card(ivan, name), column(ivan, "Клиент получил заказ"))
    dialog = ivan.get_by_role("dialog", name="Перевести в «Клиент получил заказ»")
    await dialog.wait_for()
    said = await dialog.inner_text()
    assert "«самовывоз»" in said and "«Получили оплату»" in said, said
    assert not english(said), said
    await shot(ivan, "page-refused-won")
    await dialog.get_by_role("button", name="Понятно").click()
    # The responsible's notice says why, in the same words.
    await ivan.get_by_role("link", name="Входящие").click()
    notice = ivan.get_by_role("listitem").filter(has_text="нельзя перевести").filter(has_text=name)
    await notice.first.wait_for()
    text = await notice.first.inner_text()
    assert "выигрывается только из стадии «Получили оплату»" in text, text
    assert not english(text), text
    await ivan.context.close()


async def test_the_browsers_own_checks_speak_russian(stand: Door, browser: Any) -> None:
    """A browser checks a required field or a pattern itself and says so in its own
    language («Please fill out this field» in an English Chromium): the board says it in
    Russian whatever the browser's language, a pattern by the field's title."""
    deal = await new_deal(stand, "mgr-1", title=title())
    ivan = await sign_in(browser, stand.url, IVAN, PASSWORD, locale="en-US")
    await ivan.goto(f"{stand.url}/deals/{deal['id']}")
    put = ivan.get_by_role("button", name="Поставить задачу")
    form = ivan.locator("form").filter(has=put)
    what, day = form.get_by_label("Что сделать"), form.get_by_label("Дата срока")
    said = "el => el.validationMessage"
    await put.click()
    assert await what.evaluate(said) == "Заполните это поле."
    await what.fill("Перезвонить")
    assert await what.evaluate("el => el.validity.valid")  # checked again as it is typed
    await day.fill("2026-12-08")
    await put.click()
    assert await day.evaluate(said) == "Дата срока: дд.мм.гггг"
    await day.fill("08.12.2030")
    assert await day.evaluate("el => el.validity.valid")
    await ivan.context.close()


async def test_no_page_or_dialog_of_the_board_holds_english(stand: Door, browser: Any) -> None:
    name = title()
    deal = await new_deal(stand, "mgr-1", title=name, amount="1200000")
    await _open_task(stand, deal["id"])
    context = await browser.new_context(locale="ru-RU", timezone_id="UTC")
    stranger = await context.new_page()
    await stranger.goto(f"{stand.url}/signin")
    await russian_only(stranger, "signin")
    await stranger.get_by_label("Пароль").fill("wrong password")
    await stranger.get_by_role("button", name="Войти").click()
    await stranger.get_by_role("alert").wait_for()
    await russian_only(stranger, "signin-refused")
    await context.close()

    ivan = await sign_in(browser, stand.url, IVAN, PASSWORD)
    assert "1\u00a0200\u00a0000\u00a0₽" in await card(ivan, name).inner_text()
    await russian_only(ivan, "board")
    await ivan.get_by_role("button", name="+ Новая сделка").click()
    new = ivan.get_by_role("dialog", name="Новая сделка")
    await new.get_by_label("Название").fill(title())
    await new.get_by_label("Имя контакта").fill("Ольга")
    await new.get_by_label("Сумма").fill("много")
    await new.get_by_role("button", name="Создать").click()
    await new.get_by_role("alert").wait_for()
    assert "Сумма: нужно число" in await new.get_by_role("alert").inner_text()
    await russian_only(ivan, "new-deal-refused")
    await new.get_by_role("button", name="Отмена").click()
    await new.wait_for(state="detached")
    await drag(ivan, card(ivan, name), column(ivan, "Сделали предложение"))
    move = ivan.get_by_role("dialog", name="Перевести в «Сделали предложение»")
    await move.wait_for()
    await russian_only(ivan, "move-dialog")
    await move.get_by_role("button", name="Отмена").click()

    await ivan.goto(f"{stand.url}/deals/{deal['id']}")
    await russian_only(ivan, "deal")
    await ivan.get_by_label("Сумма").fill("сто")
    await ivan.get_by_role("button", name="Сохранить").click()
    await ivan.get_by_role("alert").wait_for()
    await russian_only(ivan, "deal-refused")
    feed = ivan.get_by_role("region", name="Лента сделки")
    await feed.get_by_label("Запись в ленту").fill("Клиент просил перезвонить")
    await feed.get_by_role("button", name="Добавить заметку").click()
    await feed.get_by_text("заметка: Клиент просил перезвонить").wait_for()
    # A change of coded fields reads as the card's words and the sum as money, not as codes
    # («Как платит: — → invoice» was on the feed).
    await ivan.get_by_label("Сумма").fill("1 300 000")
    await ivan.get_by_label("Способ доставки").select_option(label="Самовывоз")
    await ivan.get_by_label("Как платит").select_option(label="По счёту")
    await ivan.get_by_role("button", name="Сохранить").click()
    await ivan.get_by_role("status").filter(has_text="Сохранено").wait_for()
    changed = await feed.get_by_text("изменил(а)").first.inner_text()
    for said in (
        "Сумма: 1\u00a0200\u00a0000\u00a0₽ → 1\u00a0300\u00a0000\u00a0₽",
        "Способ доставки: — → Самовывоз",
        "Как платит: — → По счёту",
    ):
        assert said in changed, changed
    await russian_only(ivan, "deal-feed")
    pages = (
        ("/tasks", "tasks"),
        ("/inbox", "inbox"),
        ("/search", "search-empty"),
        (f"/search?q={name}", "search"),
        (f"/contacts/{deal['contact']['id']}", "contact"),
        ("/deals/nope", "not-found"),
    )
    missing: list[str] = []  # what the pages ask for and do not get
    ivan.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    for path, what in pages:
        await ivan.goto(f"{stand.url}{path}")
        await russian_only(ivan, what)
        # an icon of its own: a browser would ask for /favicon.ico (404) on every page
        # (headless Chromium asks for none, so the declaration is what is checked)
        assert await ivan.locator("head link[rel=icon]").count() == 1, path
    assert [url for url in missing if not url.endswith("/deals/nope")] == [], missing
    await ivan.context.close()

    # A deal lost as spam: the charts of losses and of time in stage have something to draw
    # (with nothing, each says «Нет данных» where the chart was, and its axis is not drawn).
    spam = await new_deal(stand, "mgr-1", title=title())
    async with stand.as_user("mgr-1") as http:
        lost = await http.post(f"/api/deals/{spam['id']}/move", json={"to_stage": "LOST_SPAM"})
        assert lost.status_code == 200, lost.text
    anna = await sign_in(browser, stand.url, ANNA, PASSWORD)
    await anna.get_by_role("link", name="РОП").click()
    # the funnel's charts of conversion and losses (the weekly won sums say «Нет данных»
    # when nothing was won)
    await wait_until(
        anna,
        "!!(window.Chart && Chart.getChart('chart-losses') && Chart.getChart('chart-conversion'))",
    )
    start = anna.get_by_label("С", exact=True)
    assert re.fullmatch(r"\d\d\.\d\d\.\d{4}", await start.input_value())  # not the browser's
    await russian_only(anna, "rop")
    # The rules' file input has a Russian face (the browser's own says «Choose File»): a label
    # drawn as a button over the hidden native input, which the keyboard still reaches.
    rules = anna.get_by_role("region", name="Проверить правила")
    picked = rules.locator("[data-file-name]")
    assert await picked.inner_text() == "файл не выбран"
    assert await rules.get_by_text("Выбрать файл…").is_visible()
    await rules.get_by_label("Текст конфигурации").focus()
    await anna.keyboard.press("Shift+Tab")  # back from the text: the file input, by its name
    focused = "[document.activeElement.type, document.activeElement.ariaLabel]"
    assert await anna.evaluate(focused) == ["file", "Файл конфигурации"]
    await rules.get_by_label("Файл конфигурации").set_input_files(
        files=[{"name": "строже.yaml", "mimeType": "text/yaml", "buffer": b"plan: free\n"}]
    )
    assert await picked.inner_text() == "строже.yaml"
    await rules.scroll_into_view_if_needed()
    await shot(anna, "page-rop-rules-file")
    # The names on the charts' axes as drawn: «Не подошёл по портрету (с комментарием)» on one
    # line was cut at the chart's left edge. A few bars: on lines of at most 22 characters;
    # the fifteen stages: cut short with «…».
    drawn = "id => Chart.getChart(document.getElementById(id)).scales.y.ticks.map(t => t.label)"
    losses = await anna.evaluate(drawn, "chart-losses")
    lines = [line for label in losses for line in ([label] if isinstance(label, str) else label)]
    assert "Спам" in lines and max(len(line) for line in lines) <= 22, losses
    stages = await anna.evaluate(drawn, "chart-conversion")
    assert "Новый лид" in stages and max(len(s) for s in stages) <= 24, stages
    assert any(s.endswith("…") for s in stages), stages
    # every values' axis says what its numbers are in
    axis = "id => Chart.getChart(document.getElementById(id)).options.scales.x.title.text"
    assert await anna.evaluate(axis, "chart-losses") == "сделок"
    assert await anna.evaluate(axis, "chart-conversion") == "доля сделок, %"
    await anna.goto(f"{stand.url}/rop?start=11/07/2026")
    assert "дд.мм.гггг" in await anna.get_by_role("alert").inner_text()
    await russian_only(anna, "rop-bad-period")
    await anna.context.close()
