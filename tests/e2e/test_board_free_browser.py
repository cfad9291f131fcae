"""The free plan in Chromium (issue 22): the responsible fills the РОП on the deal card, and
the task «Укажите руководителя отдела продаж» closes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.board_support import need_chromium, new_deal, shot, sign_in, title
from tests.configs import config_with
from tests.conftest import reset
from tests.gateway_support import PASSWORD, Door, door
from tests.support import eventually

pytest.importorskip("playwright.async_api", reason="the playwright package is not installed")


@pytest.fixture(scope="module")
async def stand(infra: Any) -> AsyncIterator[Door]:
    """The whole stack on the free plan (deals start without a РОП)."""
    need_chromium()
    await reset(infra)
    async with door(infra, config=config_with("free")) as d:
        yield d


async def test_a_free_plan_manager_fills_the_rop_and_the_rop_task_closes(
    stand: Door, browser: Any
) -> None:
    name = title()
    deal = await new_deal(stand, "mgr-1", title=name)
    assert deal["rop_id"] is None
    ivan = await sign_in(browser, stand.url, "Иван Иванов", PASSWORD)

    async def rop_task_shown() -> bool:
        await ivan.goto(f"{stand.url}/deals/{deal['id']}")
        return (
            "Укажите руководителя" in await ivan.get_by_role("region", name="Задачи").inner_text()
        )

    await eventually(rop_task_shown, interval=0.3)
    await ivan.get_by_label("Руководитель отдела продаж").select_option(label="Анна Петрова")
    await ivan.get_by_role("button", name="Сохранить").click()
    await ivan.get_by_role("status").filter(has_text="Сохранено").wait_for()
    await ivan.get_by_text("Руководитель отдела продаж: Анна Петрова").wait_for()

    async def closed() -> bool:
        await ivan.goto(f"{stand.url}/deals/{deal['id']}")
        tasks = await ivan.get_by_role("region", name="Задачи").inner_text()
        return "РОП указан" in tasks

    await eventually(closed, interval=0.3)
    await shot(ivan, "find-free-rop-filled", full=True)
    await ivan.context.close()
