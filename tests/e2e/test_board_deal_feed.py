"""The deal card's «Лента сделки» in Chromium against the real stack: a comment on a task and
its closing, done on the card, show in the feed at once. Those answer with the task's row
alone, and the feed showed them only after a reload; now the answer says the story changed
(HX-Trigger) and the feed is drawn again, the page and what is typed in it staying. A line no
one did (the stage's task, opened by the system) has no «·» before it. Screenshots go to
.crm-data/artefacts/ (deal-feed-*.png)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.board_support import new_deal, shot, sign_in, title
from tests.gateway_support import PASSWORD, Door
from tests.support import eventually

pytest.importorskip("playwright.async_api", reason="the playwright package is not installed")
IVAN = "Иван Иванов"


async def _stage_task(stand: Door, deal_id: str) -> dict[str, Any] | None:
    async with stand.as_user("mgr-1") as http:
        items = (await http.get("/api/tasks", params={"deal_id": deal_id})).json()["items"]
        return next((t for t in items if t["status"] == "open"), None)


async def test_a_task_commented_and_closed_on_the_card_shows_in_its_feed(
    stand: Door, browser: Any
) -> None:
    deal = await new_deal(stand, "mgr-1", title=title())
    task = await eventually(lambda: _stage_task(stand, deal["id"]))
    ivan = await sign_in(browser, stand.url, IVAN, PASSWORD)
    await ivan.goto(f"{stand.url}/deals/{deal['id']}")
    await ivan.evaluate("() => { window.notReloaded = true; }")
    feed = ivan.get_by_role("region", name="Лента сделки")
    events = feed.get_by_role("list", name="События сделки")
    await feed.get_by_label("Запись в ленту").fill("набираю заметку")  # not sent yet
    row = ivan.get_by_role("region", name="Задачи").locator(f"#task-{task['id']}")

    await row.get_by_label("Комментарий к задаче").fill("Клиент просил перезвонить в среду")
    await row.get_by_role("button", name="Комментировать").click()
    said = f"комментарий к задаче «{task['title']}»: Клиент просил перезвонить в среду"
    await events.get_by_text(said).wait_for(timeout=10_000)
    await shot(ivan, "deal-feed-commented", full=True)

    await row.get_by_role("button", name="Выполнить").click()
    closed = events.get_by_role("listitem").filter(has_text=f"задача «{task['title']}» закрыта")
    await closed.wait_for(timeout=10_000)
    first = await events.get_by_role("listitem").first.inner_text()
    assert f"задача «{task['title']}» закрыта" in first, first  # the newest, at the top
    # Who closed it is named before it; the stage's task was opened by no one (the system):
    # its line is a sentence of its own, with no «·» after no one (it read «· задача …»).
    assert f"{IVAN} · задача «{task['title']}» закрыта — выполнена" in first, first
    opened = await events.locator("li.task_opened").inner_text()
    said = opened.split(" ", 2)[2]  # after «дд.мм.гггг ЧЧ:ММ»
    assert said.startswith(f"Задача «{task['title']}» поставлена, срок "), opened
    assert "·" not in opened, opened
    assert await ivan.evaluate("() => window.notReloaded === true")
    assert await feed.get_by_label("Запись в ленту").input_value() == "набираю заметку"
    await shot(ivan, "deal-feed-closed", full=True)
    await ivan.context.close()
