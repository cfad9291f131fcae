"""A task's comments over HTTP: the task carries its latest ten (with `comments_count`), the
JSON API pages through all of them, and My tasks opens them all on demand (issue 13's
comments on the board)."""

from __future__ import annotations

from typing import Any

from tests.gateway_support import door
from tests.support import Client, eventually

ROP, MINE, OTHER = "rop-1", "mgr-1", "mgr-2"


async def test_every_comment_of_a_task_is_read_over_http_and_on_my_tasks(
    clean: Any, client: Client
) -> None:
    async with door(clean) as d, d.as_user(MINE) as ivan, d.as_user(OTHER) as maria:
        deal_id = (await client.deal_for(MINE))["id"]

        async def task() -> str | None:
            found = await client.request(
                "crm.query.task.list", {"actor_id": ROP, "deal_id": deal_id}
            )
            return found["items"][0]["id"] if found["items"] else None

        task_id = await eventually(task)
        for n in range(1, 13):
            said = await ivan.post(f"/api/tasks/{task_id}/comments", json={"text": f"№{n}"})
            assert said.status_code == 200, said.text
        carried = said.json()["task"]
        assert carried["comments_count"] == 12 and len(carried["comments"]) == 10

        texts, cursor = [], None
        while True:
            params = {"limit": 5} | ({"cursor": cursor} if cursor else {})
            page = (await ivan.get(f"/api/tasks/{task_id}/comments", params=params)).json()
            texts += [c["text"] for c in page["items"]]
            if not (cursor := page.get("next_cursor")):
                break
        assert texts == [f"№{n}" for n in range(1, 13)]

        board = (await ivan.get("/tasks")).text
        assert "Все комментарии (12)" in board and "№1<" not in board
        every = await ivan.get(f"/tasks/{task_id}/comments")
        assert every.status_code == 200
        assert all(f"№{n}<" in every.text for n in range(1, 13)), every.text

        refused = [
            await maria.get(f"/api/tasks/{task_id}/comments"),
            await maria.get(f"/tasks/{task_id}/comments"),
        ]
        assert [r.status_code for r in refused] == [403, 403], [r.text for r in refused]
