"""The РОП page's analytics in Chromium against the real stack: a period with nothing in it
says «Нет данных» in the weekly chart, in «По менеджерам» and in each of the funnel's charts
(each chart drew an empty axis from 0 to 1, the weekly one in tenths of a rouble, and the
table was headers over nothing); a period with
deals won in roubles and in dollars draws one chart a currency (the one chart added them),
whole numbers on each axis; the funnel's overdue count and the list of overdue tasks say what
each counts. Screenshots go to .crm-data/artefacts/ (rop-period-*.png)."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from crm_shared.machinery.db import asyncpg_dsn
from tests.analytics_fixture import insert_fixture
from tests.board_support import shot, sign_in, wait_until
from tests.gateway_support import PASSWORD, Door

pytest.importorskip("playwright.async_api", reason="the playwright package is not installed")
ANNA = "Анна Петрова"


def _figure(region: Any, caption: str) -> Any:
    return region.locator(f"figure:has(figcaption:text-is('{caption}'))")


async def _show(page: Any, url: str, start: str, end: str) -> Any:
    await page.goto(f"{url}/rop")
    await page.get_by_label("С", exact=True).fill(start)
    await page.get_by_label("По", exact=True).fill(end)
    await page.get_by_role("button", name="Показать").click()
    await page.wait_for_url(f"**/rop?start={start}*")
    return page.get_by_role("region", name="Что произошло за период")


async def test_an_empty_period_says_no_data_and_a_full_one_draws_whole_roubles(
    stand: Door, browser: Any, infra: Any
) -> None:
    conn = await asyncpg.connect(asyncpg_dsn(infra.database_url))
    try:
        await insert_fixture(conn)  # won deals in January 2026, nothing in June 2025
    finally:
        await conn.close()
    anna = await sign_in(browser, stand.url, ANNA, PASSWORD)

    period = await _show(anna, stand.url, "01.06.2025", "30.06.2025")
    weekly = _figure(period, "Сумма выигранных по неделям")
    managers = _figure(period, "По менеджерам")
    assert await weekly.locator("canvas").count() == 0
    assert await weekly.get_by_text("Нет данных", exact=True).is_visible()
    # the weeks, each at 0 ₽: from Sunday 01.06, then from each Monday
    assert await weekly.locator("tbody tr").count() == 6
    assert await managers.locator("table").count() == 0
    assert (await managers.inner_text()).split("\n")[-1] == "Нет данных"
    # Nor do the funnel's charts draw an empty axis from 0 to 1 (conversion 0 / 0,5 / 1,
    # time in stage in 0,2 «медиана, секунд»): each says «Нет данных», its table stays.
    funnel = anna.get_by_role("region", name="Воронка сделок, созданных за период")
    for caption in ("Конверсия по стадиям", "Потери по причинам", "Время на стадии (медиана)"):
        chart = _figure(funnel, caption)
        assert await chart.get_by_text("Нет данных", exact=True).is_visible(), caption
        assert await chart.locator("tbody tr").count() > 0, caption
    assert await anna.locator("canvas").count() == 0
    await period.scroll_into_view_if_needed()
    await shot(anna, "rop-period-empty", full=True)

    period = await _show(anna, stand.url, "01.01.2026", "31.01.2026")
    weekly = _figure(period, "Сумма выигранных по неделям")
    managers = _figure(period, "По менеджерам")
    await weekly.locator("canvas").first.wait_for()
    assert "Нет данных" not in await period.inner_text()
    assert "Нет данных" not in await funnel.inner_text()
    drawn = "() => ['conversion', 'losses', 'times'].map(n => !!Chart.getChart(`chart-${n}`))"
    assert await anna.evaluate(drawn) == [True, True, True]
    rows = await managers.locator("tbody tr").all_inner_texts()
    assert [r.split("\t")[0] for r in rows] == ["Иван Иванов", "Мария Смирнова"], rows
    await _one_chart_a_currency(anna, weekly)
    await _two_overdue_counts_say_what_they_count(anna)
    await shot(anna, "rop-period-january", full=True)
    await anna.context.close()


async def _one_chart_a_currency(page: Any, weekly: Any) -> None:
    """January's weekly won sums in roubles and in dollars, each its own chart: the week of
    12.01 won 2 500,25 ₽ and 5 000,50 $, which the one chart drew as a bar of about 7 500."""
    labels = await weekly.locator("canvas").evaluate_all("cs => cs.map(c => c.ariaLabel)")
    assert labels == ["Сумма выигранных по неделям, ₽", "Сумма выигранных по неделям, $"]
    drawn = """id => { const c = Chart.getChart(id); return {
        data: c.data.datasets.map(d => d.data), axis: c.options.scales.y.title.text,
        whole: c.scales.y.ticks.every(t => Number.isInteger(t.value)),
        said: c.data.labels.map((_, i) => c.options.plugins.tooltip.callbacks.label(
                {dataIndex: i})) }; }"""
    rub = await page.evaluate(drawn, "chart-won-RUB")
    usd = await page.evaluate(drawn, "chart-won-USD")
    assert rub["data"] == [[777, 15000, 2500.25, 0, 0]] and rub["axis"] == "сумма, ₽", rub
    assert usd["data"] == [[0, 0, 5000.5, 0, 0]] and usd["axis"] == "сумма, $", usd
    assert rub["whole"] and usd["whole"]
    # the tooltip says the sum as the table beside it does (Babel's, no-break spaces)
    assert rub["said"][2] == "2\u00a0500,25\u00a0₽" and usd["said"][2] == "5\u00a0000,50\u00a0$"
    table = await weekly.locator("tbody tr").nth(2).inner_text()
    assert table.split("\t")[2] == f"{rub['said'][2]} + {usd['said'][2]}", table
    # the pointer on the dollars' bar of 12.01: its tooltip names the week and the sum
    canvas = weekly.locator("canvas#chart-won-USD")
    await canvas.scroll_into_view_if_needed()
    bar = await page.evaluate(
        "() => { const b = Chart.getChart('chart-won-USD').getDatasetMeta(0).data[2];"
        " return [b.x, (b.y + b.base) / 2]; }"
    )
    box = await canvas.bounding_box()
    assert box
    await page.mouse.move(box["x"] + bar[0], box["y"] + bar[1])
    tip = (
        "() => { const t = Chart.getChart('chart-won-USD').tooltip;"
        " return t.opacity ? [t.title, t.body.map(b => b.lines)] : null; }"
    )
    await wait_until(page, f"({tip})() !== null")
    assert await page.evaluate(tip) == [["Неделя с 12.01"], [[usd["said"][2]]]]
    await shot(page, "rop-period-won-tooltip")


async def _two_overdue_counts_say_what_they_count(page: Any) -> None:
    """The funnel said «Просрочено задач 3» over the list «Просроченные задачи» of one: the
    three are January's tasks that fell due and were closed late (t1, t4) or are still open
    (t3), the list the tasks open now past their deadline, whenever it was (t3). Each now says
    what it counts, and the one still open is in both."""
    funnel = page.get_by_role("region", name="Воронка сделок, созданных за период")
    card = funnel.locator("#report-totals > div").filter(has=page.locator("[data-total=overdue]"))
    assert (await card.inner_text()).split("\n") == [
        "Задач просрочено за период",
        "3",
        "срок в периоде; закрыты после срока: 2, ещё открыты: 1",
    ]
    lapsed = page.get_by_role("region", name="Просроченные задачи")
    assert await lapsed.get_attribute("aria-describedby") == "lapsed-what"
    said = await lapsed.locator("#lapsed-what").inner_text()
    assert said == "Открытые сейчас, срок прошёл — за всё время, не только за выбранный период"
    assert await lapsed.locator("tbody tr").count() == 1
    await card.scroll_into_view_if_needed()
    await shot(page, "rop-period-overdue")


PHONE = {"width": 390, "height": 844}


async def test_the_period_panels_stand_apart_and_a_phone_has_room_to_search(
    stand: Door, browser: Any
) -> None:
    """The weekly chart and «По менеджерам» sat flush against «Проверить правила» (no gap);
    on a phone-sized page the header's search box was squashed to a third of the screen,
    its placeholder cut after «Телефон, эл.». Now the panels keep the page's gap, and on a
    phone the box has a line of its own across the header."""
    anna = await sign_in(browser, stand.url, ANNA, PASSWORD)
    await anna.goto(f"{stand.url}/rop")
    period = anna.get_by_role("region", name="Что произошло за период")
    rules = anna.get_by_role("region", name="Проверить правила")
    above = await period.locator(".charts").bounding_box()
    below = await rules.bounding_box()
    assert above and below
    assert below["y"] - (above["y"] + above["height"]) >= 12, (above, below)
    await rules.scroll_into_view_if_needed()
    await shot(anna, "rop-period-gap")
    await anna.context.close()

    phone = await sign_in(browser, stand.url, ANNA, PASSWORD, viewport=PHONE)
    await phone.goto(f"{stand.url}/rop")
    await shot(phone, "rop-phone-header")
    box = await phone.get_by_role("searchbox", name="Найти клиента").bounding_box()
    assert box and box["width"] >= PHONE["width"] - 60, box
    header = phone.get_by_role("navigation", name="Разделы")
    assert await header.evaluate("el => el.scrollWidth <= el.clientWidth")  # nothing off its side
    # the placeholder is read whole, not cut («Телефон, эл. почта, имя, сделка, компан»)
    # (its text laid out as the box lays out what is typed: it fits when nothing scrolls)
    room = await phone.get_by_role("searchbox").evaluate(
        "el => { const q = document.createElement('input'); q.type = 'search';"
        " q.className = el.className; el.parentNode.append(q);"
        " const s = getComputedStyle(el); q.style.cssText = `width:${s.width};font:${s.font};"
        "padding:${s.padding};border:${s.border};box-sizing:${s.boxSizing}`;"
        " q.value = el.placeholder; const r = [q.scrollWidth, q.clientWidth]; q.remove();"
        " return r; }"
    )
    assert room[0] <= room[1], room
    await phone.get_by_role("searchbox", name="Найти клиента").fill("Пётр")
    await phone.keyboard.press("Enter")
    await phone.wait_for_url("**/search?q=*")
    await shot(phone, "search-phone-header")
    await phone.context.close()
