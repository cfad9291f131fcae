"""The inbox badge drops live when a refusal is settled, in Chromium on the real stack.

A refused move's notice is marked read once the deal reaches the refused stage (the board's
dialog filled the fields and moved it); the badge counted anew only on the next notification
or a page load, so it kept saying «1» beside an inbox with nothing unread. The notifier now
tells the person's feed what it marked read (crm.notify.<user_id>.read), and the board counts
anew. Here «Обрабатываем запрос» opens no task and Ivan takes no notice but refusals on any
channel (`notify`), so that nothing else of the move makes the badge count anew by chance.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from crm_shared.contracts.notify import NoticeKind
from tests.board_support import close_contexts, new_deal, shot, sign_in, title, wait_until
from tests.configs import config_with, stage_data
from tests.conftest import reset
from tests.gateway_support import PASSWORD, Door, door
from tests.support import eventually

pytest.importorskip(
    "playwright.async_api",
    reason="the playwright package is not installed (pip install -e '.[dev]')",
)
BADGE = "() => document.querySelector('#inbox-badge .badge')?.innerText ?? ''"


def _refusals_only(data: dict[str, Any]) -> None:
    processing = stage_data(data, "PROCESSING")
    del processing["task"], processing["deadline"]
    ivan = next(u for u in data["users"] if u["id"] == "mgr-1")
    ivan["notify"] = {kind.value: [] for kind in NoticeKind if kind != NoticeKind.move_rejected}


@pytest.fixture(scope="module")
async def refusals_only(infra: Any) -> AsyncIterator[Door]:
    """The stack with mgr-1 told of nothing but refused moves."""
    await reset(infra)
    async with door(infra, config=config_with(change=_refusals_only)) as d:
        yield d


@pytest.fixture
async def browser(chromium: Any) -> AsyncIterator[Any]:
    """The worker's Chromium, for this module's own stack; its contexts closed after."""
    yield chromium
    await close_contexts(chromium)


async def _unread(d: Door) -> int:
    async with d.as_user("mgr-1") as http:
        reply = await http.get("/api/notifications")
        assert reply.status_code == 200, reply.text
        return int(reply.json()["unread"])


async def test_the_badge_drops_when_the_move_settles_the_refusal(
    refusals_only: Door, browser: Any
) -> None:
    d = refusals_only
    deal = await new_deal(d, "mgr-1", title=title())
    async with d.as_user("mgr-1") as http:
        # the new lead's task is in the inbox (told on no channel): read, the inbox is empty
        await eventually(lambda: _unread_is(d, 1))
        read = await http.post("/api/notifications/read", json={"all": True})
        assert read.status_code == 200, read.text
        ivan = await sign_in(browser, d.url, "Иван Иванов", PASSWORD)
        await wait_until(ivan, "() => document.body.dataset.live === 'on'", timeout=10_000)
        assert await ivan.evaluate(BADGE) == ""
        refused = await http.post(f"/api/deals/{deal['id']}/move", json={"to_stage": "PROCESSING"})
        assert refused.status_code == 422, refused.text
        # the badge counts the refusal live (its notification came on the page's feed)
        await wait_until(ivan, f"() => ({BADGE})() === '1'", timeout=10_000)
        await shot(ivan, "badge-refused")
        moved = await http.post(
            f"/api/deals/{deal['id']}/move",
            json={"to_stage": "PROCESSING", "fields": {"requirements": "40 поддонов"}},
        )
        assert moved.status_code == 200, moved.text
    await eventually(lambda: _unread_is(d, 0))
    # the page, not reloaded, drops its badge: nothing else came to it but the read
    await wait_until(ivan, f"() => ({BADGE})() === ''", timeout=10_000)
    # the card in its new column, its head counting it (what the screenshot shows)
    counted = "() => document.querySelector('#head-PROCESSING .count')?.innerText === '1'"
    await wait_until(ivan, counted, timeout=10_000)
    await shot(ivan, "badge-settled")


async def _unread_is(d: Door, count: int) -> bool:
    return await _unread(d) == count


async def test_a_read_in_one_tab_drops_the_badge_of_another(
    refusals_only: Door, browser: Any
) -> None:
    """A person with two tabs reads the inbox in one: the other's badge drops too (it kept
    the count until its next notification or a reload)."""
    d = refusals_only
    deal = await new_deal(d, "mgr-1", title=title())
    async with d.as_user("mgr-1") as http:
        await eventually(lambda: _unread_above(d, 0))
        read = await http.post("/api/notifications/read", json={"all": True})
        assert read.status_code == 200, read.text
        board = await sign_in(browser, d.url, "Иван Иванов", PASSWORD)
        inbox = await board.context.new_page()
        await inbox.goto(f"{d.url}/inbox")
        for page in (board, inbox):
            await wait_until(page, "() => document.body.dataset.live === 'on'", timeout=10_000)
        refused = await http.post(f"/api/deals/{deal['id']}/move", json={"to_stage": "PROCESSING"})
        assert refused.status_code == 422, refused.text
    for page in (board, inbox):
        await wait_until(page, f"() => ({BADGE})() === '1'", timeout=10_000)
    await inbox.reload()
    await inbox.get_by_role("button", name="Отметить все прочитанными").click()
    await wait_until(inbox, f"() => ({BADGE})() === ''", timeout=5000)
    # the other tab, not reloaded, was told
    await wait_until(board, f"() => ({BADGE})() === ''", timeout=10_000)
    await shot(board, "badge-read-elsewhere")


async def _unread_above(d: Door, count: int) -> bool:
    return await _unread(d) > count
