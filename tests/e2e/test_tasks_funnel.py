"""The seed's funnel from lead to WON: a task for every stage, the РОП as creator (rules 1–2).

Driven through the event API only: leads in, deal commands, and each task read back from
`crm.task.opened` and `crm.query.task.list`.
"""

from __future__ import annotations

from typing import Any

import pytest

from crm_shared.config import load_config
from tests.services import running
from tests.support import Client, Recorder, eventually
from tests.tasks_support import DEADLINES, TITLES, new_lead_deal, tasks, ts

DELIVERY_PATH = [
    "PROCESSING",
    "OFFER_MADE",
    "ANSWER_RECEIVED",
    "INVOICE_SENT",
    "PAYMENT_RECEIVED",
    "ORDER_SHIPPED",
    "WON",
]
PICKUP_PATH = [s for s in DELIVERY_PATH if s != "ORDER_SHIPPED"]


async def _check_stage_task(
    client: Client, opened: Recorder, moves: Recorder, deal: dict[str, Any], stage: str
) -> dict[str, Any]:
    """The one open task of `deal` is `stage`'s, exactly as SPEC §1 and §3 rule 2 say."""

    def event_task() -> dict[str, Any] | None:
        found = [
            d["task"]
            for d in opened.data("crm.task.opened")
            if d["task"]["deal_id"] == deal["id"] and d["task"]["stage"] == stage
        ]
        return found[-1] if found else None

    task = await eventually(event_task)
    moved = next(
        d["deal"]
        for d in moves.data("crm.deal.stage_changed")
        if d["deal_id"] == deal["id"] and d["to_stage"] == stage
    )
    entered = ts(moved["updated_at"])
    assert task["title"] == TITLES[stage].format(name="Пётр")
    template = load_config().stage(stage).task
    method = moved["delivery_method"]
    assert template is not None and task["description"] == template.description_for(method)
    if stage == "PAYMENT_RECEIVED":  # the checklist of the deal's own method, not the other's
        own, other = (
            ("доставку", "самовывоз") if method == "delivery" else ("самовывоз", "доставку")
        )
        assert f"клиент выбрал {own} заказа" in task["description"]
        assert f"клиент выбрал {other} заказа" not in task["description"]
    assert task["creator_id"] == "rop-1"
    assert task["responsible_id"] == deal["responsible_id"]
    assert ts(task["deadline"]) == entered + DEADLINES[stage]
    assert task["status"] == "open" and task["close_reason"] is None
    open_now = await tasks(client, deal_id=deal["id"], status="open")
    assert [t["id"] for t in open_now] == [task["id"]]  # exactly one open, this one
    assert open_now[0] == task
    return task


async def _walk(client: Client, method: str, path: list[str]) -> None:
    opened = await client.record("crm.task.opened")
    moves = await client.record("crm.deal.stage_changed")
    deal = await new_lead_deal(client, "Пётр")
    await eventually(lambda: moves.data("crm.deal.stage_changed"))
    seen = [await _check_stage_task(client, opened, moves, deal, "NEW_LEAD")]
    reply = await client.cmd(
        "deal.update",
        actor_id=deal["responsible_id"],
        deal_id=deal["id"],
        fields={
            "requirements": "Паллета кирпича",
            "amount": "15000.00",
            "subject": "Кирпич",
            "delivery_method": method,
        },
    )
    assert reply["ok"], reply
    for stage in path:
        reply = await client.cmd(
            "deal.move", actor_id=deal["responsible_id"], deal_id=deal["id"], to_stage=stage
        )
        assert reply["ok"], reply
        if stage != "WON":
            seen.append(await _check_stage_task(client, opened, moves, deal, stage))

    async def all_closed() -> list[dict[str, Any]] | None:
        found = await tasks(client, deal_id=deal["id"])
        return found if all(t["status"] == "closed" for t in found) else None

    final = {t["id"]: t for t in await eventually(all_closed)}
    assert set(final) == {t["id"] for t in seen}  # no task beyond one per active stage
    reasons = [final[t["id"]]["close_reason"] for t in seen]
    assert reasons == ["stage_left"] * (len(seen) - 1) + ["deal_closed"]
    assert [final[t["id"]]["stage"] for t in seen] == ["NEW_LEAD", *path[:-1]]


@pytest.mark.parametrize(("method", "path"), [("delivery", DELIVERY_PATH), ("pickup", PICKUP_PATH)])
async def test_seed_funnel_lead_to_won(
    clean: Any, client: Client, method: str, path: list[str]
) -> None:
    async with running(clean, "deal-service", "task-service") as (_, task_service):
        await _walk(client, method, path)
        sample = task_service.runtime.metrics.registry.get_sample_value
        for stage in ["NEW_LEAD", *path[:-1]]:
            assert sample("crm_tasks_opened_total", {"stage": stage}) == 1
            assert sample("crm_open_tasks", {"stage": stage}) == 0
        assert sample("crm_tasks_closed_total", {"reason": "stage_left"}) == len(path) - 1
        assert sample("crm_tasks_closed_total", {"reason": "deal_closed"}) == 1
        assert sample("crm_lead_to_task_seconds_count") == 1


async def test_failure_stage_closes_the_open_task(clean: Any, client: Client) -> None:
    closed = await client.record("crm.task.closed")
    async with running(clean, "deal-service", "task-service"):
        deal = await new_lead_deal(client)
        actor = deal["responsible_id"]
        first = (await eventually(lambda: tasks(client, deal_id=deal["id"])))[0]
        reply = await client.cmd(
            "deal.update", actor_id=actor, deal_id=deal["id"], fields={"requirements": "r"}
        )
        assert reply["ok"], reply
        reply = await client.cmd(
            "deal.move", actor_id=actor, deal_id=deal["id"], to_stage="PROCESSING"
        )
        assert reply["ok"], reply
        reply = await client.cmd(
            "deal.move",
            actor_id=actor,
            deal_id=deal["id"],
            to_stage="LOST_EXPENSIVE",
            failure_comment="Нашли дешевле",
        )
        assert reply["ok"], reply

        def processing_closed() -> dict[str, Any] | None:
            found = [
                d["task"]
                for d in closed.data("crm.task.closed")
                if d["task"]["deal_id"] == deal["id"] and d["task"]["stage"] == "PROCESSING"
            ]
            return found[0] if found else None

        task = await eventually(processing_closed)
        assert task["close_reason"] == "deal_closed"
        assert task["closed_at"] is not None
        assert await tasks(client, deal_id=deal["id"], status="open") == []
        by_id = {t["id"]: t for t in await tasks(client, deal_id=deal["id"])}
        assert by_id[first["id"]]["close_reason"] == "stage_left"
        assert len(by_id) == 2
