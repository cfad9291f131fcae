"""The deal's story through the gateway (issue 22): one feed on the deal card and at
`GET /api/deals/{id}/timeline` (deal-service's entries and the deal's tasks merged, newest
first, page by page), a note written there, and the РОП's decline reaching the manager."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.gateway_support import door
from tests.support import Client, eventually
from tests.tasks_support import tasks


async def test_the_card_shows_one_feed_and_the_api_pages_it(clean: Any, client: Client) -> None:
    async with door(clean) as d, d.as_user("mgr-1") as ivan:
        deal = await client.deal_for("mgr-1", title="Окна", requirements="3 окна")
        await eventually(lambda: tasks(client, deal_id=deal["id"]))
        noted = await ivan.post(f"/deals/{deal['id']}/notes", data={"text": "в отпуске"})
        assert noted.status_code == 200 and "заметка: в отпуске" in noted.text
        changed = await ivan.patch(f"/api/deals/{deal['id']}", json={"title": "Окна ПВХ"})
        assert changed.status_code == 200, changed.text
        moved = await ivan.post(f"/api/deals/{deal['id']}/move", json={"to_stage": "PROCESSING"})
        assert moved.status_code == 200, moved.text
        soon = (datetime.now(UTC) + timedelta(hours=3)).isoformat()
        made = await ivan.post(
            f"/api/deals/{deal['id']}/tasks", json={"title": "Перезвонить", "deadline": soon}
        )
        assert made.status_code == 201

        async def feed() -> list[dict[str, Any]] | None:
            items: list[dict[str, Any]] = (
                await ivan.get(f"/api/deals/{deal['id']}/timeline")
            ).json()["items"]
            kinds = [i["kind"] for i in items]
            return items if kinds.count("task_opened") >= 3 else None

        items = await eventually(feed)
        kinds = [i["kind"] for i in items]
        assert kinds.index("task_opened") < kinds.index("stage_changed")
        assert kinds.index("stage_changed") < kinds.index("field_changed") < kinds.index("note")
        assert items == sorted(items, key=lambda i: i["at"], reverse=True)
        # Page by page, every entry once.
        seen: list[dict[str, Any]] = []
        cursor = None
        while True:
            params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
            page = (await ivan.get(f"/api/deals/{deal['id']}/timeline", params=params)).json()
            seen += page["items"]
            if not (cursor := page["next_cursor"]):
                break
        assert seen == items

        card = (await ivan.get(f"/deals/{deal['id']}")).text
        feed_html = card[card.index("Лента сделки") :]
        note, change, move = (
            feed_html.index("заметка: в отпуске"),
            feed_html.index("Название: Окна → Окна ПВХ"),
            feed_html.index("стадия: Новый лид → Обрабатываем запрос"),
        )
        assert move < change < note  # newest first

        # Completed by hand, the task names who did it; closed by the deal's move, no one
        # (the feed said «задача … закрыта — выполнена» with no one named).
        done = await ivan.post(f"/tasks/{made.json()['task']['id']}/complete")
        assert done.status_code == 200, done.text

        async def closed() -> list[dict[str, Any]] | None:
            items = (await ivan.get(f"/api/deals/{deal['id']}/timeline")).json()["items"]
            shut = [i for i in items if i["kind"] == "task_closed"]
            return shut if len(shut) == 2 else None

        by_hand, by_move = await eventually(closed)
        assert (by_hand["close_reason"], by_hand["actor_id"]) == ("completed", "mgr-1")
        assert (by_move["close_reason"], by_move["actor_id"]) == ("stage_left", None)
        card = (await ivan.get(f"/deals/{deal['id']}")).text
        rows = [row.split("</li>")[0] for row in card.split('class="event task_closed"')[1:]]
        assert "<b>Иван Иванов</b>" in rows[0] and "«Перезвонить» закрыта — выполнена" in rows[0]
        assert "<b>" not in rows[1] and "закрыта — сделка ушла со стадии" in rows[1]


async def test_a_declined_request_tells_the_manager_why(clean: Any, client: Client) -> None:
    async with door(clean) as d, d.as_user("mgr-1") as ivan:
        deal = await client.deal_for("mgr-1", title="Молчун")
        for _ in range(3):
            await ivan.post(f"/api/deals/{deal['id']}/contact-attempts", json={})
        asked = await ivan.post(
            f"/api/deals/{deal['id']}/move", json={"to_stage": "LOST_NO_CONTACT"}
        )
        assert asked.json()["error"]["code"] == "rop_approval_required"
        refused = await ivan.post(
            f"/api/deals/{deal['id']}/approval/decline", json={"reason": "сам решу"}
        )
        assert refused.status_code == 403
        async with d.as_user("rop-1") as anna:
            page = await anna.post(
                f"/rop/approvals/{deal['id']}/decline", data={"reason": "позвоните вечером"}
            )
            assert page.status_code == 200 and "Отказано" in page.text
            assert "Молчун" not in (await anna.get("/rop")).text

        async def told() -> dict[str, Any] | None:
            box = (await ivan.get("/api/notifications")).json()["items"]
            return next((n for n in box if n["kind"] == "approval_declined"), None)

        note = await eventually(told)
        assert "позвоните вечером" in note["text"] and "Анна Петрова" in note["text"]
        assert "позвоните вечером" in (await ivan.get("/inbox")).text
