"""A person's own tasks through the gateway (issue 22): the deal card's quick deadlines,
My tasks grouped by the day in the people's zone, a moved deadline with its reason, and the
JSON API's routes for both."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from gateway.domain.days import local_day
from tests.gateway_support import door
from tests.support import Client, eventually
from tests.tasks_support import tasks


def _group_of(later: timedelta) -> str:
    """The My tasks group a deadline `later` from now falls in, on the people's clock (the
    suite runs at any hour: an hour from 23:30 is tomorrow)."""
    now = datetime.now(UTC)
    return "Сегодня" if local_day(now + later) == local_day(now) else "Завтра"


def _group(page: str, name: str) -> str:
    """The HTML of one group of My tasks."""
    found = re.search(rf">{name} <span.*?</section>", page, re.S)
    assert found, name
    return found.group(0)


async def test_a_manager_sets_a_task_for_tomorrow_and_moves_it(clean: Any, client: Client) -> None:
    async with door(clean) as d, d.as_user("mgr-1") as ivan:
        deal = await client.deal_for("mgr-1", title="Звонок")
        await eventually(lambda: tasks(client, deal_id=deal["id"]))
        # the day as people type it (дд.мм.гггг), the time on a 24-hour clock
        tomorrow = (local_day(datetime.now(UTC)) + timedelta(days=1)).strftime("%d.%m.%Y")
        form = {"title": "Перезвонить", "when": "at", "day": tomorrow, "clock": "15:00"}
        card = await ivan.post(f"/deals/{deal['id']}/tasks", data=form)
        assert card.status_code == 200, card.text
        assert "Перезвонить" in card.text and "Постановщик: Иван Иванов" in card.text
        assert f"до {tomorrow} 15:00" in card.text  # the people's clock (Moscow), as typed
        bad = await ivan.post(f"/deals/{deal['id']}/tasks", data={**form, "day": "завтра"})
        assert bad.status_code == 422 and "Дата срока: «завтра» — не дата" in bad.text
        late = await ivan.post(f"/deals/{deal['id']}/tasks", data={**form, "clock": "3 PM"})
        assert late.status_code == 422 and "Время срока: «3 PM» — не время" in late.text
        assert f'name="day" aria-label="Дата срока" data-picks-at value="{tomorrow}"' in late.text
        # A refusal keeps what was typed, escaped: a title is never markup on the page.
        trap = {**form, "title": '"><script>alert(1)</script>', "day": "01.01.2020"}
        past = await ivan.post(f"/deals/{deal['id']}/tasks", data=trap)
        assert past.status_code == 422 and "Этот срок уже прошёл" in past.text
        assert "<script>alert(1)" not in past.text and "&lt;script&gt;alert(1)" in past.text

        mine = (await ivan.get("/tasks")).text
        assert "Перезвонить" in _group(mine, "Завтра")
        assert "Перезвонить" not in _group(mine, "Сегодня")
        # The stage task is due within the hour: not tomorrow's, but in the day's last hour.
        [stage] = [t for t in await tasks(client, deal_id=deal["id"]) if t["kind"] != "own"]
        if local_day(datetime.fromisoformat(stage["deadline"])) == local_day(datetime.now(UTC)):
            assert "Новый лид" not in _group(mine, "Завтра")

        [own] = [t for t in await tasks(client, deal_id=deal["id"]) if t["kind"] == "own"]
        typo = {"when": "at", "day": "32.01.2027", "clock": "10:00", "reason": "клиент в пути"}
        refused = await ivan.post(f"/tasks/{own['id']}/reschedule", data=typo)
        assert refused.status_code == 400 and "Дата срока: «32.01.2027»" in refused.text
        moved = await ivan.post(
            f"/tasks/{own['id']}/reschedule", data={"when": "hour", "reason": "клиент в пути"}
        )
        assert moved.status_code == 200 and "Причина: клиент в пути" in moved.text
        assert "HX-Refresh" not in moved.headers  # on the deal's card the row is enough
        # On My tasks the page is drawn again: the task goes to its new day's group.
        here = {"when": "hour", "reason": "клиент в пути", "with_deal": "1"}
        again = await ivan.post(f"/tasks/{own['id']}/reschedule", data=here)
        assert again.status_code == 200 and again.headers["HX-Refresh"] == "true"
        in_an_hour = _group_of(timedelta(hours=1))  # «Завтра» in the last hour of the day
        assert "Перезвонить" in _group((await ivan.get("/tasks")).text, in_an_hour)

        soon = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
        api = await ivan.post(
            f"/api/deals/{deal['id']}/tasks", json={"title": "КП", "deadline": soon}
        )
        assert api.status_code == 201 and api.json()["task"]["creator_id"] == "mgr-1"
        stage_task = next(
            t for t in await tasks(client, deal_id=deal["id"]) if t["kind"] == "stage"
        )
        refused = await ivan.post(
            f"/api/tasks/{stage_task['id']}/reschedule", json={"deadline": soon, "reason": "x"}
        )
        assert refused.status_code == 403
        async with d.as_user("rop-1") as anna:
            agreed = await anna.post(
                f"/api/tasks/{stage_task['id']}/reschedule",
                json={"deadline": soon, "reason": "дал время"},
            )
            assert agreed.status_code == 200, agreed.text
            assert agreed.json()["task"]["reschedules"][0]["reason"] == "дал время"
