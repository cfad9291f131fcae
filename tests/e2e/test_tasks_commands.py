"""crm.cmd.task.complete and crm.query.task.list."""

from __future__ import annotations

import uuid
from typing import Any

from tests.services import running
from tests.support import Client, eventually
from tests.tasks_support import (
    deal_snapshot,
    drained,
    hours_ago,
    new_lead_deal,
    publish,
    stage_changed,
    tasks,
)


async def _first_task(client: Client, deal_id: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = await eventually(lambda: tasks(client, deal_id=deal_id))
    return found[0]


async def test_complete_by_responsible_or_rop_only(clean: Any, client: Client) -> None:
    closed = await client.record("crm.task.closed")
    async with running(clean, "deal-service", "task-service"):
        deal = await new_lead_deal(client)
        task = await _first_task(client, deal["id"])
        other = "mgr-2" if deal["responsible_id"] == "mgr-1" else "mgr-1"

        reply = await client.cmd("task.complete", actor_id=other, task_id=task["id"])
        assert reply["ok"] is False and reply["error"]["code"] == "forbidden"
        assert other in reply["error"]["message"] and "responsible" in reply["error"]["message"]
        reply = await client.cmd("task.complete", actor_id="ghost", task_id=task["id"])
        assert reply["error"]["code"] == "not_found"
        reply = await client.cmd("task.complete", actor_id=other, task_id="no-such-task")
        assert reply["error"]["code"] == "not_found"
        reply = await client.request("crm.cmd.task.complete", {"task_id": task["id"]})
        assert reply["error"]["code"] == "invalid" and "actor_id" in reply["error"]["message"]

        reply = await client.cmd(
            "task.complete", actor_id=deal["responsible_id"], task_id=task["id"]
        )
        assert reply["ok"], reply
        assert reply["task"]["status"] == "closed"
        assert reply["task"]["close_reason"] == "completed"
        assert reply["task"]["closed_by"] == deal["responsible_id"]
        await eventually(lambda: closed.data("crm.task.closed"))
        assert closed.data("crm.task.closed")[0]["task"]["id"] == task["id"]
        assert closed.data("crm.task.closed")[0]["task"]["closed_by"] == deal["responsible_id"]
        [kept] = await tasks(client, deal_id=deal["id"])
        assert kept["closed_by"] == deal["responsible_id"]  # stored, not only sent

        reply = await client.cmd(
            "task.complete", actor_id=deal["responsible_id"], task_id=task["id"]
        )
        assert reply["error"]["code"] == "transition_not_allowed"
        # Completing does not move the deal, and the next update does not reopen the task.
        got = await client.request(
            "crm.query.deal.get", {"actor_id": "rop-1", "deal_id": deal["id"]}
        )
        assert got["deal"]["stage"] == "NEW_LEAD" and got["deal"]["version"] == deal["version"]
        reply = await client.cmd(
            "deal.update", actor_id="rop-1", deal_id=deal["id"], fields={"requirements": "r"}
        )
        assert reply["ok"], reply
        await eventually(lambda: drained(client))
        assert await tasks(client, deal_id=deal["id"], status="open") == []

        # The РОП may complete a task of the deal as well.
        deal2 = await new_lead_deal(client, "Ира")
        task2 = await _first_task(client, deal2["id"])
        reply = await client.cmd("task.complete", actor_id="rop-1", task_id=task2["id"])
        assert reply["ok"], reply


async def test_list_filters_overdue_and_paging(clean: Any, client: Client) -> None:
    async with running(clean, "task-service"):
        # Deals entered NEW_LEAD (deadline 1 h) two hours ago and just now.
        late = [deal_snapshot(str(uuid.uuid4()), 1, "NEW_LEAD", hours_ago(2)) for _ in range(2)]
        fresh = [
            deal_snapshot(str(uuid.uuid4()), 1, "NEW_LEAD", hours_ago(0), responsible_id="mgr-2")
            for _ in range(3)
        ]
        for deal in late + fresh:
            await publish(client, *stage_changed(deal, None))
        await eventually(lambda: drained(client))
        assert len(await tasks(client)) == 5

        overdue = await tasks(client, overdue=True)
        assert {t["deal_id"] for t in overdue} == {d["id"] for d in late}
        assert len(await tasks(client, overdue=False)) == 3
        assert len(await tasks(client, responsible_id="mgr-2")) == 3
        assert len(await tasks(client, responsible_id="mgr-1", status="open")) == 2
        assert await tasks(client, status="closed") == []
        [one] = await tasks(client, deal_id=late[0]["id"])
        assert one["stage"] == "NEW_LEAD"

        pages: list[str] = []
        cursor = None
        while True:
            body: dict[str, Any] = {
                "actor_id": "rop-1",
                "limit": 2,
                **({"cursor": cursor} if cursor else {}),
            }
            reply = await client.request("crm.query.task.list", body)
            assert reply["ok"], reply
            pages += [t["id"] for t in reply["items"]]
            cursor = reply["next_cursor"]
            if cursor is None:
                break
        assert len(pages) == 5 and len(set(pages)) == 5
        assert pages == [t["id"] for t in await tasks(client)]  # newest first, stable

        bad = await client.request(
            "crm.query.task.list", {"actor_id": "rop-1", "cursor": "nonsense"}
        )
        assert bad["error"]["code"] == "invalid"
        bad = await client.request("crm.query.task.list", {"actor_id": "rop-1", "status": "done"})
        assert bad["error"]["code"] == "invalid"
