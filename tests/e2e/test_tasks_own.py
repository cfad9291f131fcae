"""A person's own tasks (issue 22): set on a deal, rescheduled with a reason by whoever may,
and watched like stage tasks: the lapse reaches the deal's РОП, and again after a move."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.services import running
from tests.support import Client, eventually
from tests.tasks_support import tasks

pytestmark = pytest.mark.usefixtures("notifier_fast")


def _soon(seconds: float) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat()


async def test_an_own_task_is_set_moved_and_its_lapse_reaches_the_rop(
    clean: Any, client: Client
) -> None:
    notes = await client.record("crm.notify.rop-1")
    async with running(clean, "deal-service", "task-service", "notifier"):
        deal = await client.deal_for("mgr-1", title="Перезвон")
        [stage_task] = await eventually(lambda: tasks(client, deal_id=deal["id"]))
        mine = lambda **b: client.cmd("task.create", actor_id="mgr-1", deal_id=deal["id"], **b)  # noqa: E731

        refused = await client.cmd(
            "task.create", actor_id="mgr-2", deal_id=deal["id"], title="x", deadline=_soon(60)
        )
        assert refused["error"]["code"] == "forbidden"  # not her deal (access: own)
        past = await mine(title="Перезвонить", deadline="2020-01-01T10:00:00+03:00")
        assert past["error"]["code"] == "invalid" and "past" in past["error"]["message"]
        made = await mine(title="Перезвонить", deadline=_soon(3600), description="в 15:00")
        assert made["ok"], made
        task = made["task"]
        assert task["kind"] == "own" and task["creator_id"] == task["responsible_id"] == "mgr-1"
        assert task["rop_id"] == "rop-1" and task["stage"] is None
        assert task["deal_title"] == "Перезвон"

        move = lambda actor, task_id, **b: client.cmd(  # noqa: E731
            "task.reschedule", actor_id=actor, task_id=task_id, **b
        )
        no = await move("mgr-1", stage_task["id"], deadline=_soon(60), reason="занят")
        assert no["error"]["code"] == "forbidden" and "РОП" in no["error"]["message"]
        moved = await move("mgr-1", task["id"], deadline=_soon(1.5), reason="клиент просил")
        assert moved["ok"], moved
        [kept] = moved["task"]["reschedules"]
        assert kept["reason"] == "клиент просил" and kept["actor_id"] == "mgr-1"

        def lapsed() -> list[dict[str, Any]]:
            return [
                n
                for n in notes.data("crm.notify.rop-1")
                if n["kind"] == "task_overdue" and n["task"]["id"] == task["id"]
            ]

        [first] = await eventually(lapsed, timeout=15)
        assert "Перезвонить" in first["text"]
        # The РОП moves it on: watched again, it lapses again at the new deadline.
        again = await move("rop-1", task["id"], deadline=_soon(1.5), reason="дал ещё время")
        assert again["ok"] and len(again["task"]["reschedules"]) == 2
        await eventually(lambda: len(lapsed()) == 2, timeout=15)
        # Moving the stage to another stage leaves an own task open.
        [listed] = [t for t in await tasks(client, deal_id=deal["id"]) if t["id"] == task["id"]]
        assert listed["status"] == "open"


async def test_a_deal_not_yet_heard_of_has_an_empty_task_story_not_a_refusal(
    clean: Any, client: Client
) -> None:
    """The board opens a deal's card the moment it is made, before task-service has applied
    its DealCreated: the card's task story is then empty, not «not your deal» (the board
    showed «Эту сделку ведёт другой менеджер» to the deal's own maker under load)."""
    async with running(clean, "task-service"):
        unknown = "00000000-0000-4000-8000-000000000001"
        body = {"actor_id": "mgr-2", "deal_id": unknown}
        reply = await client.request("crm.query.task.timeline", body)
        assert reply["ok"] and reply["items"] == [], reply
