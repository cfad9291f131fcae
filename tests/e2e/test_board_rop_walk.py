"""What a walk through the РОП's page found, in Chromium against the real stack: on a phone
the page was 573 px wide (its tables cut, «Спросить» off the screen); a mistyped period threw
the page away for a bare error page, and a reversed one said «позже» where one day is taken;
«Комментарии к проигранным сделкам» showed January's comments for an empty June; «Время на
стадии» said «Нет данных» over a table of stays still going; a laptop cut the search box's
placeholder. Screenshots: .crm-data/artefacts/rop-walk-*.png."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from crm_shared.machinery.db import asyncpg_dsn
from tests.analytics_fixture import insert_fixture
from tests.board_support import new_deal, shot, sign_in, title
from tests.gateway_support import PASSWORD, Door

pytest.importorskip("playwright.async_api", reason="the playwright package is not installed")
ANNA = "Анна Петрова"
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 768}
NOT_BEFORE = "Период задан неверно: «по» должно быть не раньше «с»."


async def _show(page: Any, url: str, start: str, end: str) -> None:
    await page.goto(f"{url}/rop")
    await page.get_by_label("С", exact=True).fill(start)
    await page.get_by_label("По", exact=True).fill(end)
    await page.get_by_role("button", name="Показать").click()
    await page.wait_for_url("**/rop?start=*")


@pytest.fixture(scope="module")
async def january(stand: Door, infra: Any) -> None:
    """January 2026: two lost deals with comments, a task still open past its deadline (t3);
    nothing in June 2025."""
    conn = await asyncpg.connect(asyncpg_dsn(infra.database_url))
    try:
        await insert_fixture(conn)
    finally:
        await conn.close()


def _figure(region: Any, caption: str) -> Any:
    return region.locator(f"figure:has(figcaption:text-is('{caption}'))")


async def test_time_in_stage_says_why_it_draws_nothing(stand: Door, browser: Any) -> None:
    """Deals made in the period, none moved on yet: the chart of finished stays has nothing
    to draw, and says so without denying the table's stays in progress."""
    await new_deal(stand, "mgr-1", title=title())
    anna = await sign_in(browser, stand.url, ANNA, PASSWORD)
    await anna.goto(f"{stand.url}/rop")
    funnel = anna.get_by_role("region", name="Воронка сделок, созданных за период")
    times = _figure(funnel, "Время на стадии (медиана)")
    said = await times.locator(".no-data").inner_text()
    assert said.startswith("Ни одна сделка ещё не ушла со стадии за период"), said
    row = await times.locator("tbody tr").first.inner_text()
    assert row.split("\t")[0] == "Новый лид" and row.endswith("(1)"), row
    await times.scroll_into_view_if_needed()
    await shot(anna, "rop-walk-times")
    await anna.context.close()


async def test_a_mistyped_period_keeps_the_page_and_losses_follow_the_period(
    stand: Door, browser: Any, january: None
) -> None:
    anna = await sign_in(browser, stand.url, ANNA, PASSWORD)
    for start, end, said in (
        ("07.12.2026", "01.12.2026", NOT_BEFORE),
        ("31.02.2026", "28.02.2026", "31.02.2026"),
        ("01.01.2020", "01.01.2026", "не длиннее двух лет"),
    ):
        await _show(anna, stand.url, start, end)
        await anna.get_by_role("heading", name="Руководитель отдела продаж").wait_for()
        alert = await anna.locator("main [role=alert]").inner_text()
        assert said in alert, (start, end, alert)
        assert await anna.get_by_label("С", exact=True).input_value() == start
        assert await anna.get_by_label("По", exact=True).input_value() == end
        # the rest of the page stays; the period's reports wait for a period
        assert await anna.get_by_role("region", name="Просроченные задачи").is_visible()
        assert await anna.get_by_role("region", name="Что произошло за период").count() == 0
    await shot(anna, "rop-walk-bad-period")
    await _show(anna, stand.url, "07.12.2026", "07.12.2026")  # one day is a period
    assert await anna.locator("main [role=alert]").count() == 0
    await anna.get_by_role("region", name="Что произошло за период").wait_for()

    losses = anna.get_by_role("region", name="Комментарии к проигранным сделкам")
    await _show(anna, stand.url, "01.06.2025", "30.06.2025")
    said = await losses.inner_text()
    assert "Дорого для клиента" not in said and "Купили у конкурента" not in said, said
    assert said.count("Комментариев нет") == await losses.locator("h3").count(), said
    await _show(anna, stand.url, "01.01.2026", "31.01.2026")
    said = await losses.inner_text()
    assert "«Дорого для клиента»" in said and "«Купили у конкурента»" in said, said
    # who held it and when it was lost, on the РОП's clock (Yekaterinburg, UTC+5)
    assert "Мария Смирнова · 21.01.2026 09:00" in said, said
    await losses.scroll_into_view_if_needed()
    await shot(anna, "rop-walk-losses")
    await anna.context.close()


async def test_the_rop_page_fits_a_phone_and_a_laptop_reads_the_search_hint(
    stand: Door, browser: Any, january: None
) -> None:
    phone = await sign_in(browser, stand.url, ANNA, PASSWORD, viewport=PHONE)
    await phone.goto(f"{stand.url}/rop?start=01.01.2026&end=31.01.2026")
    lapsed = phone.get_by_role("region", name="Просроченные задачи")
    await lapsed.locator("table").first.wait_for()  # the fixture's task still open (t3)
    width = await phone.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], width  # it was 573
    for name in ("Просроченные задачи", "Когда сделка засиделась", "Что произошло за период"):
        box = await phone.get_by_role("region", name=name).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (name, box)
    await shot(phone, "rop-walk-phone", full=True)
    # the wide table scrolls in its panel: «Спросить» is reached there, and asks
    ask = lapsed.get_by_role("button", name="Спросить").first
    await ask.scroll_into_view_if_needed()
    box = await ask.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    await shot(phone, "rop-walk-phone-ask")
    await phone.context.close()

    laptop = await sign_in(browser, stand.url, ANNA, PASSWORD, viewport=LAPTOP)
    await laptop.goto(f"{stand.url}/rop")
    box = laptop.get_by_role("searchbox", name="Найти клиента")
    # the placeholder laid out as typed text: it reads whole when nothing scrolls
    room = await box.evaluate(
        "el => { const q = document.createElement('input'); q.type = 'search';"
        " q.className = el.className; el.parentNode.append(q);"
        " const s = getComputedStyle(el); q.style.cssText = `width:${s.width};font:${s.font};"
        "padding:${s.padding};border:${s.border};box-sizing:${s.boxSizing}`;"
        " q.value = el.placeholder; const r = [q.scrollWidth, q.clientWidth]; q.remove();"
        " return r; }"
    )
    assert room[0] <= room[1], room
    header = laptop.get_by_role("navigation", name="Разделы")
    assert await header.evaluate("el => el.scrollWidth <= el.clientWidth")
    await laptop.screenshot(
        path=str((await shot(laptop, "rop-walk-laptop")).with_name("rop-walk-laptop-header.png")),
        clip={"x": 0, "y": 0, "width": LAPTOP["width"], "height": 60},
    )
    await laptop.context.close()
