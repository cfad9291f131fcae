"""The РОП page's «Что произошло за период» in Chromium against the real stack: a period with
nothing in it says «Нет данных» in the weekly chart and in «По менеджерам» (the chart drew an
empty axis from 0 to 1 ₽ in tenths, and the table was headers over nothing); a period with
won deals draws the weeks with whole roubles on the axis. Screenshots go to
.crm-data/artefacts/ (rop-period-*.png)."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from crm_shared.machinery.db import asyncpg_dsn
from tests.analytics_fixture import insert_fixture
from tests.board_support import shot, sign_in
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
    await period.scroll_into_view_if_needed()
    await shot(anna, "rop-period-empty", full=True)

    period = await _show(anna, stand.url, "01.01.2026", "31.01.2026")
    weekly = _figure(period, "Сумма выигранных по неделям")
    managers = _figure(period, "По менеджерам")
    await weekly.locator("canvas").wait_for()
    assert "Нет данных" not in await period.inner_text()
    rows = await managers.locator("tbody tr").all_inner_texts()
    assert [r.split("\t")[0] for r in rows] == ["Иван Иванов", "Мария Смирнова"], rows
    ticks = await anna.evaluate(
        "() => Chart.getChart('chart-won').scales.y.ticks.map((t) => t.value)"
    )
    assert ticks and all(float(t).is_integer() for t in ticks), ticks
    await shot(anna, "rop-period-january", full=True)
    await anna.context.close()
