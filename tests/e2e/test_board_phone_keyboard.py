"""A task's deadline typed on a phone, in Chromium against the real stack: the date and time
inputs ask for the digit keypad (inputmode="decimal"; they had none, so a phone showed its
full keyboard), and what that keypad can type, a «,» for a separator and no «:», is read:
«07,12,2026», «1430», «16.45». Screenshots go to .crm-data/artefacts/ (phone-*.png)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from gateway.domain.days import local_day
from tests.board_support import ZONE, new_deal, shot, sign_in, title
from tests.gateway_support import PASSWORD, Door

pytest.importorskip("playwright.async_api", reason="the playwright package is not installed")
IVAN = "Иван Иванов"
PHONE = {"width": 390, "height": 844}


async def test_a_deadline_typed_on_the_digit_keypad(stand: Door, browser: Any) -> None:
    deal = await new_deal(stand, "mgr-1", title=title())
    ivan = await sign_in(browser, stand.url, IVAN, PASSWORD, viewport=PHONE)
    await ivan.goto(f"{stand.url}/deals/{deal['id']}")
    form = ivan.get_by_role("region", name="Новая задача")
    day, clock = form.get_by_label("Дата срока"), form.get_by_label("Время срока")
    assert [await day.get_attribute("inputmode"), await clock.get_attribute("inputmode")] == [
        "decimal",
        "decimal",
    ]
    tomorrow = local_day(datetime.now(UTC), ZoneInfo(ZONE)) + timedelta(days=1)
    await form.get_by_label("Что сделать").fill("Перезвонить после обеда")
    await day.fill(tomorrow.strftime("%d,%m,%Y"))  # a Russian iPhone's keypad: «,» only
    await clock.fill("1430")
    await form.get_by_role("button", name="Поставить задачу").click()
    tasks = ivan.get_by_role("region", name="Задачи")
    row = tasks.get_by_role("listitem").filter(has_text="Перезвонить после обеда")
    await row.wait_for()
    shown = tomorrow.strftime("%d.%m.%Y")
    assert f"до {shown} 14:30" in await row.inner_text()
    await shot(ivan, "phone-task-set", full=True)

    # «Перенести срок» takes the same inputs.
    await row.get_by_text("Перенести срок").click()
    moved = row.get_by_label("Время срока")
    assert await moved.get_attribute("inputmode") == "decimal"
    await row.get_by_label("Дата срока").fill(shown)
    await moved.fill("16.45")
    await row.get_by_label("Причина переноса").fill("клиент на встрече")
    await row.get_by_role("button", name="Перенести").click()
    row = tasks.get_by_role("listitem").filter(has_text="Перезвонить после обеда")
    await row.filter(has_text=f"до {shown} 16:45").wait_for()
    await row.scroll_into_view_if_needed()
    await shot(ivan, "phone-task-moved")
    await ivan.context.close()
