"""Permissions over HTTP (issue 14): through the JSON routes a manager can neither read nor
move another manager's deal, nor complete or comment on another manager's task; the РОП can.
"""

from __future__ import annotations

from typing import Any

from tests.gateway_support import door
from tests.support import Client, eventually

ROP, MINE, OTHER = "rop-1", "mgr-1", "mgr-2"


async def _deal_and_task(client: Client, responsible: str) -> tuple[str, str]:
    deal_id = (await client.deal_for(responsible))["id"]

    async def task() -> str | None:
        found = await client.request("crm.query.task.list", {"actor_id": ROP, "deal_id": deal_id})
        return found["items"][0]["id"] if found["items"] else None

    return deal_id, await eventually(task)


async def test_a_manager_cannot_work_another_managers_deal_or_task_the_rop_can(
    clean: Any, client: Client
) -> None:
    async with door(clean) as d, d.as_user(OTHER) as maria, d.as_user(ROP) as anna:
        deal_id, task_id = await _deal_and_task(client, MINE)
        refused = [
            await maria.get(f"/api/deals/{deal_id}"),
            await maria.post(f"/api/deals/{deal_id}/move", json={"to_stage": "LOST_SPAM"}),
            await maria.patch(f"/api/deals/{deal_id}", json={"title": "моя"}),
            await maria.post(f"/api/tasks/{task_id}/complete"),
            await maria.post(f"/api/tasks/{task_id}/comments", json={"text": "?"}),
        ]
        assert [r.status_code for r in refused] == [403] * 5, [r.text for r in refused]
        assert {r.json()["error"]["code"] for r in refused} == {"forbidden"}
        listed = (await maria.get("/api/tasks", params={"deal_id": deal_id})).json()["items"]
        assert listed == []
        seen = await client.request("crm.query.deal.get", {"actor_id": ROP, "deal_id": deal_id})
        assert seen["deal"]["stage"] == "NEW_LEAD" and seen["deal"]["version"] == 1

        # The РОП reads and changes every deal and task.
        assert (await anna.get(f"/api/deals/{deal_id}")).status_code == 200
        said = await anna.post(f"/api/tasks/{task_id}/comments", json={"text": "позвони"})
        assert said.status_code == 200, said.text
        done = await anna.post(f"/api/tasks/{task_id}/complete")
        assert done.status_code == 200, done.text
        moved = await anna.post(
            f"/api/deals/{deal_id}/move",
            json={"to_stage": "LOST_SPAM", "failure_comment": "спам"},
        )
        assert moved.status_code == 200, moved.text
        assert moved.json()["deal"]["stage"] == "LOST_SPAM"
