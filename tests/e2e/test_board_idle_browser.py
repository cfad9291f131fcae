"""Issue 24 §3 in Chromium: a card on the open board gets its «засиделась» mark when its deal
goes quiet, and loses it when the deal is worked on (a note), without a reload: the live
feed brings the responsible's deal_idle notice and the deal's crm.deal.noted."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.board_support import (
    card,
    close_contexts,
    need_chromium,
    new_deal,
    shot,
    sign_in,
    title,
)
from tests.configs import config_with, stage_data
from tests.conftest import reset
from tests.gateway_support import PASSWORD, Door, door

expect = pytest.importorskip(
    "playwright.async_api",
    reason="the playwright package is not installed (pip install -e '.[dev]')",
).expect
pytestmark = pytest.mark.usefixtures("notifier_fast")


def _quick(data: dict[str, Any]) -> None:
    stage_data(data, "NEW_LEAD")["idle_after"] = "PT4S"
    data["notifications"]["idle_digest_at"] = None


@pytest.fixture
async def browser(chromium: Any) -> AsyncIterator[Any]:
    """The worker's Chromium, for a test with its own stack (`quiet`); its people's contexts
    are closed after it."""
    yield chromium
    await close_contexts(chromium)


@pytest.fixture
async def quiet(infra: Any) -> AsyncIterator[Door]:
    """The stack with NEW_LEAD's deals idle after four seconds."""
    need_chromium()
    await reset(infra)
    async with door(infra, config=config_with(change=_quick)) as d:
        yield d


async def test_the_card_is_marked_live_when_its_deal_goes_quiet(quiet: Door, browser: Any) -> None:
    name = title()
    ivan = await sign_in(browser, quiet.url, "Иван Иванов", PASSWORD)
    # The deal is made once the board is open, and its card arrives by the live feed: the
    # feed is then connected when the deal goes quiet four seconds later (made before, on a
    # busy machine the sign-in could outlast the four seconds, and the deal_idle notice went
    # out before the page listened).
    deal = await new_deal(quiet, "mgr-1", title=name)
    shown = card(ivan, name)
    await shown.wait_for()
    await expect(shown).to_contain_text("засиделась", timeout=30_000)
    async with quiet.as_user("mgr-1") as http:
        noted = await http.post(f"/api/deals/{deal['id']}/notes", json={"text": "Звонок"})
        assert noted.status_code == 201, noted.text
    await expect(shown).not_to_contain_text("засиделась", timeout=3_000)


async def test_the_rops_board_gets_the_mark_live_too(quiet: Door, browser: Any) -> None:
    """Gap of issue 24 §3: the mark came with the responsible's own deal_idle notice, which
    only the responsible's feed carries, so the РОП's open board never showed it. Now
    crm.deal.idle goes to everyone who sees the deal."""
    name = title()
    anna = await sign_in(browser, quiet.url, "Анна Петрова", PASSWORD)  # the РОП
    ivan = await sign_in(browser, quiet.url, "Иван Иванов", PASSWORD)
    await new_deal(quiet, "mgr-1", title=name)
    on_rops, on_ivans = card(anna, name), card(ivan, name)
    await on_rops.wait_for()
    await on_ivans.wait_for()
    await expect(on_rops).to_contain_text("засиделась", timeout=30_000)
    await expect(on_ivans).to_contain_text("засиделась", timeout=5_000)
    await on_rops.scroll_into_view_if_needed()
    await shot(anna, "idle-rop-board")
