"""The board on a tablet and after a session ends, in Chromium against the real stack: a
swipe that starts on a card scrolls its column and a long press drags it; an expired
session returns to the page it was on once the person has signed in again.
"""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

import asyncpg
import pytest

from crm_shared.machinery.db import asyncpg_dsn
from tests.board_support import (
    TABLET,
    card,
    column,
    new_deal,
    shot,
    sign_in,
    sign_in_here,
    title,
    wait_until,
)
from tests.gateway_support import PASSWORD, Door
from tests.support import steady

pytest.importorskip(
    "playwright.async_api",
    reason="the playwright package is not installed (pip install -e '.[dev]')",
)
IVAN, MARIA = "Иван Иванов", "Мария Смирнова"


async def _expire_sessions(infra: Any, page: Any) -> None:
    """The person's session ends on the server (its time is up), the cookie stays."""
    [cookie] = [c for c in await page.context.cookies() if c["name"] == "crm_session"]
    conn = await asyncpg.connect(asyncpg_dsn(infra.database_url))
    try:
        await conn.execute(
            "UPDATE gateway.sessions SET expires_at = now() - interval '1 minute' "
            "WHERE token_hash = $1",
            hashlib.sha256(cookie["value"].encode()).hexdigest(),
        )
    finally:
        await conn.close()


async def test_an_expired_session_returns_to_its_page_after_sign_in(
    stand: Door, browser: Any, infra: Any
) -> None:
    name = title()
    deal = await new_deal(stand, "mgr-1", title=name)
    ivan = await sign_in(browser, stand.url, IVAN, PASSWORD)
    # The page asks for the inbox badge once loaded: answered before the session ends, or
    # that request would be the one sent to sign in (it was, once in a full run).
    async with ivan.expect_response(lambda r: "/inbox/badge" in r.url):
        await ivan.goto(f"{stand.url}/deals/{deal['id']}")
    await _expire_sessions(infra, ivan)
    # A change on the page (htmx): the answer sends the person to sign in, then back.
    await ivan.get_by_label("Компания").fill("ООО Ромашка")
    await ivan.get_by_role("button", name="Сохранить").click()
    await ivan.wait_for_url(f"**/signin?next=%2Fdeals%2F{deal['id']}")
    await shot(ivan, "signin-next")
    await sign_in_here(ivan, IVAN)
    await ivan.wait_for_url(f"**/deals/{deal['id']}")
    await ivan.get_by_role("heading", name=name).wait_for()

    # A page opened by its address (a bookmark) after the session ended: the same.
    await _expire_sessions(infra, ivan)
    await ivan.goto(f"{stand.url}/board?manager=")
    await ivan.wait_for_url("**/signin?next=*")
    await sign_in_here(ivan, IVAN)
    await ivan.wait_for_url("**/board?manager=")

    # Only a path of this site is a way back.
    for bad in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        await ivan.context.clear_cookies()
        await ivan.goto(f"{stand.url}/signin?next={bad}")
        await sign_in_here(ivan, IVAN)
        await ivan.wait_for_url(f"{stand.url}/board")
    await ivan.context.close()


async def test_a_page_asking_by_itself_after_the_session_ended_keeps_what_is_typed(
    stand: Door, browser: Any, infra: Any
) -> None:
    deal = await new_deal(stand, "mgr-1", title=title())
    ivan = await sign_in(browser, stand.url, IVAN, PASSWORD)
    async with ivan.expect_response(lambda r: "/inbox/badge" in r.url):
        await ivan.goto(f"{stand.url}/deals/{deal['id']}")
    await ivan.get_by_label("Компания").fill("ООО Ромашка")  # typed, not yet saved
    await _expire_sessions(infra, ivan)
    # A live notice makes the page ask for its inbox badge: refused, and nothing else.
    async with ivan.expect_response(lambda r: "/inbox/badge" in r.url) as badge:
        await ivan.evaluate("htmx.trigger(document.body, 'crm:inbox')")
    assert (await badge.value).status == 401
    # The page says so and stays, with what was typed.
    told = ivan.get_by_role("dialog").filter(has_text="Сессия закончилась")
    await told.wait_for()
    await shot(ivan, "session-ended-background")
    await steady(lambda: "/signin" not in ivan.url, 0.5)
    await told.get_by_role("button").first.click()
    assert await ivan.get_by_label("Компания").input_value() == "ООО Ромашка"
    # The person's own next step is what sends them to sign in.
    await ivan.get_by_role("button", name="Сохранить").click()
    await ivan.wait_for_url(f"**/signin?next=%2Fdeals%2F{deal['id']}")
    await ivan.context.close()


async def test_a_swipe_on_a_card_scrolls_its_column_and_a_long_press_drags(
    stand: Door, browser: Any
) -> None:
    names = [title() for _ in range(12)]
    for name in names:
        await new_deal(stand, "mgr-2", title=name)
    context = await browser.new_context(viewport=TABLET, locale="ru-RU", has_touch=True)
    maria = await context.new_page()
    await maria.goto(f"{stand.url}/signin")
    await sign_in_here(maria, MARIA)
    first = column(maria, "Новый лид")
    await first.get_by_role("link", name=names[-1]).wait_for()
    cdp = await context.new_cdp_session(maria)

    async def touch(kind: str, x: float, y: float) -> None:
        points = [] if kind == "touchEnd" else [{"x": x, "y": y}]
        await cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

    box = await card(maria, names[-1]).bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    await touch("touchStart", x, y)  # a swipe up that starts on a card
    for step in range(1, 11):
        await touch("touchMove", x, y - 25 * step)
    await asyncio.sleep(0.3)  # the finger rests before it lifts: no fling goes on scrolling
    await touch("touchMove", x, y - 250)
    await touch("touchEnd", x, y - 250)
    await wait_until(
        maria, "() => document.querySelector('.cards[data-stage=NEW_LEAD]').scrollTop > 50"
    )
    assert await first.get_by_role("link", name=names[-1]).count() == 1  # not moved

    await maria.evaluate("document.querySelector('.cards[data-stage=NEW_LEAD]').scrollTop = 0")
    await card(maria, names[-1]).scroll_into_view_if_needed()
    target = await column(maria, "Обрабатываем запрос").bounding_box()
    box = await card(maria, names[-1]).bounding_box()
    assert target is not None and box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    await touch("touchStart", x, y)  # a long press takes the card ...
    await asyncio.sleep(0.6)
    tx, ty = target["x"] + target["width"] / 2, target["y"] + 60
    for step in range(1, 13):
        await touch("touchMove", x + (tx - x) * step / 12, y + (ty - y) * step / 12)
    await touch("touchEnd", tx, ty)
    await shot(maria, "touch-long-press")
    dialog = maria.get_by_role("dialog", name="Перевести в «Обрабатываем запрос»")
    await dialog.wait_for()  # ... and the server asks for Требования, as after a drag
    await context.close()
