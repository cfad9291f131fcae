"""Issue 24 §3, the race of a page drawn just before its deal goes idle: the board was drawn
from queries that did not see the mark yet, and its feed connected after crm.deal.idle was
sent, so the mark was in neither. The page now names where its feed starts
(`/board/live?from=<events seq>:<notifications seq>`, taken before its queries) and the
first connection replays what came since. Both tests hold the feed back until the deal is
idle, so the order is fixed, not left to timing."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.board_support import (
    card,
    close_contexts,
    new_deal,
    shot,
    sign_in,
    title,
)
from tests.configs import config_with, stage_data
from tests.conftest import reset
from tests.gateway_support import PASSWORD, Door, door
from tests.support import eventually

expect = pytest.importorskip(
    "playwright.async_api",
    reason="the playwright package is not installed (pip install -e '.[dev]')",
).expect
pytestmark = pytest.mark.usefixtures("notifier_fast")
FROM = re.compile(r'sse-connect="/board/live\?from=(\d+:\d+)"')


def _quick(data: dict[str, Any]) -> None:
    stage_data(data, "NEW_LEAD")["idle_after"] = "PT6S"
    data["notifications"]["idle_digest_at"] = None


@pytest.fixture
async def browser(chromium: Any) -> AsyncIterator[Any]:
    """The worker's Chromium, for a test on this module's own stack (`quiet`); its people's
    contexts are closed after it."""
    yield chromium
    await close_contexts(chromium)


@pytest.fixture(scope="module")
async def quiet(infra: Any) -> AsyncIterator[Door]:
    """The stack with NEW_LEAD's deals idle after six seconds."""
    await reset(infra)
    async with door(infra, config=config_with(change=_quick)) as d:
        yield d


async def _idle(http: httpx.AsyncClient, deal_id: str) -> bool:
    """Whether the card, asked for now, carries the mark."""
    reply = await http.get(f"/board/cards/{deal_id}")
    return reply.status_code == 200 and "засиделась ·" in reply.text


async def _listen(http: httpx.AsyncClient, got: list[tuple[str, Any]], start: str) -> None:
    """(event, data) of every message of /board/live?from=start, as they come."""
    async with http.stream("GET", "/board/live", params={"from": start}) as reply:
        assert reply.status_code == 200, await reply.aread()
        kind = ""
        async for line in reply.aiter_lines():
            if line.startswith("event: "):
                kind = line.removeprefix("event: ")
            elif line.startswith("data: ") and kind:
                got.append((kind, json.loads(line.removeprefix("data: ")).get("data")))


async def test_the_feed_replays_the_mark_from_the_moment_the_page_was_drawn(
    quiet: Door, browser: Any
) -> None:
    deal = await new_deal(quiet, "mgr-1", title=title())
    async with quiet.as_user("rop-1") as anna:
        page = await anna.get("/board")
        assert page.status_code == 200, page.text
        assert f'id="deal-{deal["id"]}"' in page.text and "засиделась ·" not in page.text
        start = FROM.search(page.text)
        assert start, "the page names where its feed starts"
        # The deal goes idle, and only then does the page's feed connect.
        await eventually(lambda: _idle(anna, deal["id"]), timeout=30)
        got: list[tuple[str, Any]] = []
        feed = asyncio.create_task(_listen(anna, got, start[1]))
        try:
            marks = await eventually(
                lambda: [d for k, d in got if k == "crm.deal.idle.v1"], timeout=10
            )
        finally:
            feed.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await feed
    assert [m["deal_id"] for m in marks] == [deal["id"]]
    assert marks[0]["responsible_id"] == "mgr-1"


async def test_a_board_drawn_before_the_mark_shows_it_once_its_feed_connects(
    quiet: Door, browser: Any
) -> None:
    """In Chromium: the РОП's board is drawn with the card unmarked, its feed held back
    (Playwright's route) until the deal is idle; let through, it brings the mark."""
    name = title()
    held, let_go = asyncio.Event(), asyncio.Event()

    async def hold(route: Any) -> None:
        held.set()
        await let_go.wait()
        await route.continue_()

    try:
        anna = await sign_in(browser, quiet.url, "Анна Петрова", PASSWORD)
        deal = await new_deal(quiet, "mgr-1", title=name)
        await anna.route(lambda url: url.split("?")[0].endswith("/board/live"), hold)
        await anna.reload()  # drawn with the deal, not yet idle; the feed waits
        shown = card(anna, name)
        await shown.wait_for()
        await asyncio.wait_for(held.wait(), 10)
        assert "засиделась" not in await shown.inner_text()
        async with quiet.as_user("rop-1") as http:
            await eventually(lambda: _idle(http, deal["id"]), timeout=30)
        let_go.set()
        await expect(shown).to_contain_text("засиделась", timeout=10_000)
        await shot(anna, "idle-race-marked")
    finally:
        let_go.set()
