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


async def test_a_persons_lead_is_manual_and_theirs_within_their_permissions(
    clean: Any, client: Client
) -> None:
    async with door(clean) as d, d.as_user(OTHER) as maria, d.as_user(ROP) as anna:
        # A manager cannot give a lead to another manager (as on POST /api/deals) ...
        lead = {"contact": {"name": "Чужой лид"}, "responsible_id": MINE, "source": "tilda"}
        refused = await maria.post("/api/leads", json=lead)
        assert refused.status_code == 403, refused.text
        assert refused.json()["error"]["code"] == "forbidden"
        # ... nor speak for another source: the lead is hers and `manual`.
        own = {"contact": {"name": "Свой лид"}, "source": "tilda", "external_id": "t-1"}
        taken = await maria.post("/api/leads", json=own)
        assert taken.status_code == 202, taken.text
        assert taken.json()["source"] == "manual"
        assert taken.json()["external_id"] == f"{OTHER}/t-1"  # keyed by its person
        [deal] = await eventually(lambda: _named(client, "Свой лид"))
        assert (deal["source"], deal["responsible_id"]) == ("manual", OTHER)
        # Another person's lead with her id, and the same body without an id from both, are
        # leads of their own: none is swallowed as a repeat (nor tells that she has one).
        same = await anna.post(
            "/api/leads", json={"contact": {"name": "Тот же"}, "external_id": "t-1"}
        )
        assert same.status_code == 202 and not same.json()["duplicate"], same.text
        await eventually(lambda: _named(client, "Тот же"))
        bare = {"contact": {"name": "Без номера"}}
        for person in (maria, anna):
            sent = await person.post("/api/leads", json=bare)
            assert sent.status_code == 202 and not sent.json()["duplicate"], sent.text
        await eventually(lambda: _many(client, "Без номера", 2))
        # The real tilda lead with that external id is a deal of its own.
        await client.publish_lead(source="tilda", external_id="t-1", contact={"name": "Тильда"})
        [real] = await eventually(lambda: _named(client, "Тильда"))
        assert real["source"] == "tilda"
        # The РОП names anyone.
        given = {"contact": {"name": "От РОПа"}, "responsible_id": MINE}
        assert (await anna.post("/api/leads", json=given)).status_code == 202
        [theirs] = await eventually(lambda: _named(client, "От РОПа"))
        assert (theirs["source"], theirs["responsible_id"]) == ("manual", MINE)
        assert not await _named(client, "Чужой лид")


async def _many(client: Client, name: str, count: int) -> bool:
    return len(await _named(client, name)) == count


async def _named(client: Client, name: str) -> list[dict[str, Any]]:
    return [d for d in await client.deals() if (d.get("contact") or {}).get("name") == name]
