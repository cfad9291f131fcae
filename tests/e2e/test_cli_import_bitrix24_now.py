"""What an import of deals moved long ago in Bitrix24 brings today: each deal's current-stage
task due the stage's duration from the import (not born overdue: no crm.task.overdue, no
«просрочена» to the РОП), and its history at Bitrix24's times credited to no one of ours
but to the import (the deal's feed: «импорт из Битрикс24»)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.b24_portal import portal_data
from tests.cli_support import crm
from tests.services import running
from tests.support import Client, eventually, steady
from tests.tasks_support import tasks

pytestmark = pytest.mark.usefixtures("notifier_fast")


def _save(folder: Path, data: dict[str, list[dict[str, Any]]]) -> None:
    """One saved page a method, as the portal answered."""
    for method, rows in data.items():
        result: Any = {"items": rows} if method == "crm.stagehistory.list" else rows
        (folder / f"{method}.json").write_text(json.dumps({"result": result}), "utf-8")


async def _kinds(client: Client, user: str) -> list[str]:
    """The kinds of the notices in `user`'s inbox."""
    reply = await client.request("crm.query.notify.list", {"actor_id": user})
    assert reply["ok"], reply
    return [n["kind"] for n in reply["items"]]


async def test_an_import_opens_tasks_due_from_now_and_credits_its_history_to_bitrix24(
    clean: Any, client: Client, tmp_path: Path
) -> None:
    data = portal_data(3)
    for deal in data["crm.deal.list"]:
        deal["STAGE_ID"] = "NEW"  # moved there in March: months before today
    _save(tmp_path, data)
    overdue = await client.record("crm.task.overdue")
    async with running(clean, "deal-service", "task-service", "notifier"):
        before = datetime.now(UTC)
        result = await crm(clean, "--json", "import", "bitrix24", "--from", str(tmp_path))
        assert result.exit_code == 0, result.output
        assert "deal-101" in json.loads(result.stdout)["imported"]
        [deal] = [d for d in await client.deals() if d["external_id"] == "deal-101"]
        assert datetime.fromisoformat(deal["updated_at"]) < before - timedelta(days=30)

        [task] = await eventually(lambda: tasks(client, deal_id=deal["id"]))
        # NEW_LEAD is due in an hour: from the import, not from March
        deadline = datetime.fromisoformat(task["deadline"])
        assert before + timedelta(minutes=59) < deadline < datetime.now(UTC) + timedelta(hours=1)
        # the manager is told of the task (the notifier holds it), the РОП of no lapse
        told = await eventually(lambda: _kinds(client, deal["responsible_id"]))
        assert set(told) == {"task_assigned"}
        await steady(lambda: not overdue.data("crm.task.overdue"), 2.0)
        assert await _kinds(client, deal["rop_id"]) == []

        history = await client.request(
            "crm.query.deal.history", {"actor_id": "rop-1", "deal_id": deal["id"]}
        )
        assert [h["actor_id"] for h in history["items"]] == [None]  # not rop-1, who imported
        feed = await client.request(
            "crm.query.deal.timeline", {"actor_id": "rop-1", "deal_id": deal["id"]}
        )
        entries = [e for e in feed["items"] if e["kind"] == "stage_changed"]
        assert [(e["actor_id"], e["imported_from"], e["from_stage"]) for e in entries] == [
            (None, "bitrix24", None)
        ]

        # A later run brings fields changed there: the deal's story credits the import for
        # them too, not the РОП who ran it.
        data["crm.deal.list"][0] |= {"TITLE": "Сделка 1, уточнена", "OPPORTUNITY": "2500.00"}
        data["crm.deal.list"][0]["DATE_MODIFY"] = "2026-03-10T10:00:00+03:00"
        _save(tmp_path, data)
        again = await crm(clean, "--json", "import", "bitrix24", "--from", str(tmp_path))
        assert json.loads(again.stdout)["updated"] == {"deal-101": ["title", "amount"]}
        feed = await client.request(
            "crm.query.deal.timeline", {"actor_id": "rop-1", "deal_id": deal["id"]}
        )
        [changed] = [e for e in feed["items"] if e["kind"] == "field_changed"]
        assert (changed["actor_id"], changed.get("imported_from")) == (None, "bitrix24")
