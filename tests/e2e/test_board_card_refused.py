"""In Chromium: a refused save of the deal card keeps what the manager typed (the refusal
above the form, the typed title and phone still in their inputs), and the corrected save
keeps it all."""

from __future__ import annotations

from typing import Any

import pytest

from tests.board_support import deal_now, new_deal, shot, sign_in, title
from tests.gateway_support import PASSWORD, Door

pytest.importorskip(
    "playwright.async_api",
    reason="the playwright package is not installed (pip install -e '.[dev]')",
)
IVAN = "Иван Иванов"


async def test_a_refused_card_save_keeps_the_typed_text(stand: Door, browser: Any) -> None:
    deal = await new_deal(stand, "mgr-1", title=title())
    ivan = await sign_in(browser, stand.url, IVAN, PASSWORD)
    await ivan.goto(f"{stand.url}/deals/{deal['id']}")
    await ivan.get_by_label("Название").fill(renamed := title() + ", 2 поддона")
    await ivan.get_by_label("Требования").fill("доставка до 10:00")
    await ivan.get_by_label("Телефон").fill("12")
    await ivan.get_by_role("button", name="Сохранить").click()
    alert = ivan.get_by_role("alert")
    await alert.wait_for()
    assert "телефон" in (await alert.inner_text()).lower()
    assert await ivan.get_by_label("Название").input_value() == renamed
    assert await ivan.get_by_label("Требования").input_value() == "доставка до 10:00"
    assert await ivan.get_by_label("Телефон").input_value() == "12"
    await shot(ivan, "deal-card-refused-keeps-typed", full=True)
    await ivan.get_by_label("Телефон").fill("8 912 345-67-80")
    await ivan.get_by_role("button", name="Сохранить").click()
    await ivan.get_by_role("status").filter(has_text="Сохранено").wait_for()
    now = await deal_now(stand, "mgr-1", deal["id"])
    assert (now["title"], now["requirements"]) == (renamed, "доставка до 10:00")
    assert now["contact"]["phone"] == "+79123456780"
    await ivan.context.close()


async def test_a_phone_left_alone_is_not_saved_as_a_change(stand: Door, browser: Any) -> None:
    """The card shows the kept +79123456789 as «+7 912 345-67-89», as the rest of the board
    does; saving another field does not report the phone changed (its `was.` twin holds what
    was shown, and the two are compared as numbers)."""
    deal = await new_deal(stand, "mgr-1", title=title())  # phone +79123456789
    ivan = await sign_in(browser, stand.url, IVAN, PASSWORD)
    await ivan.goto(f"{stand.url}/deals/{deal['id']}")
    phone = ivan.get_by_label("Телефон", exact=True)
    assert await phone.input_value() == "+7 912 345-67-89"
    assert await phone.get_attribute("type") == "tel"
    await ivan.get_by_label("Компания").fill("ООО «Кирпичный двор»")
    await ivan.get_by_role("button", name="Сохранить").click()
    await ivan.get_by_role("status").filter(has_text="Сохранено").wait_for()
    assert await ivan.get_by_label("Телефон", exact=True).input_value() == "+7 912 345-67-89"
    await shot(ivan, "deal-card-phone", full=True)
    feed = ivan.get_by_role("region", name="Лента сделки")
    changed = await feed.get_by_text("изменил(а)").first.inner_text()
    assert "Компания: — → ООО «Кирпичный двор»" in changed and "Телефон" not in changed, changed
    async with stand.as_user("mgr-1") as http:
        story = (await http.get(f"/api/deals/{deal['id']}/timeline")).json()["items"]
    changes = [c["field"] for e in story if e["kind"] == "field_changed" for c in e["changes"]]
    assert changes == ["company"], story
    now = await deal_now(stand, "mgr-1", deal["id"])
    assert (now["company"], now["contact"]["phone"]) == ("ООО «Кирпичный двор»", "+79123456789")
    await ivan.context.close()
