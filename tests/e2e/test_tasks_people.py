"""Who a task belongs to: the free plan's РОП task (rule 1), new responsibles and new РОПs."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.services import running
from tests.support import Client, eventually
from tests.tasks_support import ROP_TASK_TITLE, config_variant, new_lead_deal, tasks, ts


async def test_free_plan_rop_task_opens_and_closes_when_rop_is_set(
    clean: Any, client: Client
) -> None:
    updated = await client.record("crm.task.updated")
    free = config_variant("free")
    async with running(clean, "deal-service", "task-service", config=free):
        deal = await new_lead_deal(client)
        assert deal["rop_id"] is None  # free plan: no robot
        both = await eventually(lambda: _open_two(client, deal["id"]))
        rop_task = next(t for t in both if t["stage"] is None)
        stage_task = next(t for t in both if t["stage"] == "NEW_LEAD")
        assert rop_task["title"] == ROP_TASK_TITLE
        assert "Укажите РОПа" in rop_task["description"]
        assert rop_task["responsible_id"] == deal["responsible_id"]
        assert ts(rop_task["deadline"]) == ts(deal["created_at"]) + timedelta(hours=1)
        assert stage_task["creator_id"] is None  # no РОП yet to be the creator

        reply = await client.cmd(
            "deal.update",
            actor_id=deal["responsible_id"],
            deal_id=deal["id"],
            fields={"rop_id": "rop-1"},
        )
        assert reply["ok"], reply

        async def rop_closed() -> dict[str, Any] | None:
            found = {t["id"]: t for t in await tasks(client, deal_id=deal["id"])}
            task = found[rop_task["id"]]
            return task if task["status"] == "closed" else None

        closed = await eventually(rop_closed)
        assert closed["close_reason"] == "rop_set"
        [still_open] = await tasks(client, deal_id=deal["id"], status="open")
        assert still_open["id"] == stage_task["id"]
        assert still_open["creator_id"] == "rop-1"  # the new РОП becomes the creator
        [change] = await eventually(lambda: updated.data("crm.task.updated"))
        assert change["changed"] == ["creator_id"] and change["task"]["creator_id"] == "rop-1"

        reply = await client.cmd(
            "deal.move", actor_id=deal["responsible_id"], deal_id=deal["id"], to_stage="PROCESSING"
        )
        assert reply["ok"], reply
        moved = await eventually(lambda: _only_open(client, deal["id"], "PROCESSING"))
        assert moved["creator_id"] == "rop-1"
        all_tasks = await tasks(client, deal_id=deal["id"])
        assert len(all_tasks) == 3  # the РОП task is not opened again


async def _open_two(client: Client, deal_id: str) -> list[dict[str, Any]] | None:
    found = await tasks(client, deal_id=deal_id, status="open")
    return found if len(found) == 2 else None


async def _only_open(client: Client, deal_id: str, stage: str) -> dict[str, Any] | None:
    found = await tasks(client, deal_id=deal_id, status="open")
    return found[0] if len(found) == 1 and found[0]["stage"] == stage else None


async def test_free_plan_deal_created_with_rop_gets_no_rop_task(clean: Any, client: Client) -> None:
    async with running(clean, "deal-service", "task-service", config=config_variant("free")):
        # The first request right after start: `eventually` rides out "no responders".
        reply = await eventually(
            lambda: client.cmd(
                "deal.create", actor_id="mgr-1", contact={"name": "Ира"}, rop_id="rop-1"
            )
        )
        assert reply["ok"], reply
        deal = reply["deal"]
        task = await eventually(lambda: _only_open(client, deal["id"], "NEW_LEAD"))
        assert task["creator_id"] == "rop-1" and task["responsible_id"] == "mgr-1"
        assert len(await tasks(client, deal_id=deal["id"])) == 1


async def test_new_responsible_and_new_rop_take_over_open_tasks(clean: Any, client: Client) -> None:
    updated = await client.record("crm.task.updated")
    config = config_variant("standard", extra_rop=True)
    async with running(clean, "deal-service", "task-service", config=config):
        deal = await new_lead_deal(client)
        task = await eventually(lambda: _only_open(client, deal["id"], "NEW_LEAD"))
        other = "mgr-2" if deal["responsible_id"] == "mgr-1" else "mgr-1"
        reply = await client.cmd(
            "deal.update",
            actor_id="rop-1",
            deal_id=deal["id"],
            fields={"responsible_id": other},
        )
        assert reply["ok"], reply

        async def moved() -> dict[str, Any] | None:
            found = await _only_open(client, deal["id"], "NEW_LEAD")
            return found if found and found["responsible_id"] == other else None

        now = await eventually(moved)
        assert now["id"] == task["id"] and now["creator_id"] == "rop-1"
        assert [t["id"] for t in await tasks(client, responsible_id=other)] == [task["id"]]
        reply = await client.cmd(
            "deal.update", actor_id="rop-1", deal_id=deal["id"], fields={"rop_id": "rop-2"}
        )
        assert reply["ok"], reply

        async def new_creator() -> dict[str, Any] | None:
            found = await _only_open(client, deal["id"], "NEW_LEAD")
            return found if found and found["creator_id"] == "rop-2" else None

        await eventually(new_creator)
        await eventually(lambda: len(updated.data("crm.task.updated")) >= 2)
        changes = [d["changed"] for d in updated.data("crm.task.updated")]
        assert changes == [["responsible_id"], ["creator_id"]]
