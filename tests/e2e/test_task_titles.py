"""A stage task's title opens with the client's name («Пётр. Уточнить…»): beside the client
(My tasks' link «Окна · Пётр», the notice's «по сделке «Окна» (Пётр)») it is shown without
it, and where it stands alone (the deal's card) as it is."""

from __future__ import annotations

from typing import Any

from tests.gateway_support import door
from tests.support import Client, eventually
from tests.tasks_support import tasks

TITLE = "Уточнить необходимую информацию и сделать КП"


async def test_my_tasks_and_the_notice_name_the_client_once(clean: Any, client: Client) -> None:
    async with door(clean) as d, d.as_user("mgr-1") as ivan:
        deal = await client.deal_for("mgr-1", title="Окна", requirements="3 окна")
        moved = await ivan.post(f"/api/deals/{deal['id']}/move", json={"to_stage": "PROCESSING"})
        assert moved.status_code == 200, moved.text

        async def processing() -> list[dict[str, Any]]:
            found = await tasks(client, deal_id=deal["id"], status="open")
            return [t for t in found if t["stage"] == "PROCESSING"]

        [task] = await eventually(processing)
        assert task["title"] == f"Пётр. {TITLE}"  # stored as configured

        mine = (await ivan.get("/tasks")).text
        row = mine[mine.index(f'id="task-{task["id"]}"') :].split("</li>")[0]
        assert f"<strong>{TITLE}</strong>" in row and "Окна · Пётр" in row  # was «Пётр. …»
        card = (await ivan.get(f"/deals/{deal['id']}")).text
        assert f"<strong>Пётр. {TITLE}</strong>" in card  # the card's own list: the title

        async def told() -> str | None:
            box = (await ivan.get("/api/notifications")).json()["items"]
            said = [n["text"] for n in box if TITLE in n["text"]]
            return said[0] if said else None

        text = await eventually(told)
        assert f"«{TITLE}» по сделке «Окна» (Пётр)" in text and text.count("Пётр") == 1
