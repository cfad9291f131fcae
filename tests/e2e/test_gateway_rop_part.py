"""The РОП's part on the board (issue 22): the РОП field on the deal card, filled by the
responsible on the free plan (closing «Укажите руководителя…»); the lapsed list saying how
late each task is, with a comment asked right there; the loss comments by reason."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.configs import config_with
from tests.gateway_support import door
from tests.support import Client, eventually
from tests.tasks_support import tasks


async def test_a_free_plan_manager_fills_the_rop_on_the_card(clean: Any, client: Client) -> None:
    async with door(clean, config=config_with("free")) as d, d.as_user("mgr-1") as ivan:
        deal = await client.deal_for("mgr-1", title="Без РОПа")
        assert deal["rop_id"] is None

        async def rop_task() -> dict[str, Any] | None:
            found = [t for t in await tasks(client, deal_id=deal["id"]) if t["kind"] == "rop"]
            return found[0] if found else None

        task = await eventually(rop_task)
        card = (await ivan.get(f"/deals/{deal['id']}")).text
        assert "Руководитель отдела продаж" in card and 'name="rop_id"' in card
        saved = await ivan.post(f"/deals/{deal['id']}", data={"rop_id": "rop-1", "was.rop_id": ""})
        assert saved.status_code == 200 and "Сохранено" in saved.text
        # Now set, the field is the РОП's to change: shown, not editable, for the manager.
        assert "Руководитель отдела продаж: Анна Петрова" in saved.text
        assert 'name="rop_id"' not in saved.text

        async def closed() -> bool:
            now = [t for t in await tasks(client, deal_id=deal["id"]) if t["id"] == task["id"]]
            return bool(now) and now[0]["close_reason"] == "rop_set"

        await eventually(closed)


async def test_the_rop_page_says_how_late_and_shows_loss_comments(
    clean: Any, client: Client
) -> None:
    async with door(clean) as d, d.as_user("rop-1") as anna:
        lost = await client.deal_for("mgr-1", title="Дорогой клиент")
        moved = await client.cmd(
            "deal.move",
            actor_id="mgr-1",
            deal_id=lost["id"],
            to_stage="LOST_EXPENSIVE",
            failure_comment="у конкурента на 20% дешевле",
        )
        assert moved["ok"], moved
        page = (await anna.get("/rop")).text
        section = page[page.index("Комментарии к проигранным сделкам") :]
        assert "Дорого" in section and "у конкурента на 20% дешевле" in section
        late = await client.deal_for("mgr-1", title="Забытый")
        await eventually(lambda: tasks(client, deal_id=late["id"]))
        due = (datetime.now(UTC) - timedelta(seconds=30)).isoformat()  # within the grace
        made = await client.cmd(
            "task.create", actor_id="mgr-1", deal_id=late["id"], title="Позвонить", deadline=due
        )
        assert made["ok"], made
        task = made["task"]
        page = (await anna.get("/rop")).text
        row = page[page.index("Позвонить") :]
        assert "Просрочена на" in page and "с</td>" in row[: row.index("</tr>")]
        asked = await anna.post(f"/rop/tasks/{task['id']}/comments", data={"text": "почему?"})
        assert asked.status_code == 200 and "почему?" in asked.text
        assert 'id="lapsed-comment-' in asked.text
