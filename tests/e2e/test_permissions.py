"""Permissions through the bus (issue 14): a manager works only their own deals and tasks, the
РОП every one; queries are answered in the actor's scope; `access: {manager: all}` widens it.
"""

from __future__ import annotations

from typing import Any

import asyncpg

from crm_shared.machinery.db import asyncpg_dsn
from tests.analytics_fixture import FROM, TO, insert_fixture
from tests.configs import config_with
from tests.services import running
from tests.support import Client, eventually

ROP, MINE, OTHER = "rop-1", "mgr-1", "mgr-2"


async def _ask(client: Client, subject: str, actor: str | None, **body: Any) -> dict[str, Any]:
    if actor is not None:
        body["actor_id"] = actor
    return await client.request(subject, body)


async def _task_of(client: Client, deal_id: str) -> dict[str, Any]:
    async def found() -> dict[str, Any] | None:
        reply = await _ask(client, "crm.query.task.list", ROP, deal_id=deal_id)
        assert reply["ok"], reply
        return reply["items"][0] if reply["items"] else None

    task: dict[str, Any] = await eventually(found)
    return task


def _code(reply: dict[str, Any]) -> str | None:
    return None if reply.get("ok") else reply["error"]["code"]


async def test_a_manager_cannot_touch_another_managers_deal_or_task(
    clean: Any, client: Client
) -> None:
    async with running(clean, "deal-service", "task-service"):
        theirs = await client.deal_for(MINE)
        other = await client.deal_for(OTHER)
        task = await _task_of(client, theirs["id"])
        assert task["responsible_id"] == MINE

        # mgr-2 may neither read nor change mgr-1's deal, nor complete its task.
        get = await _ask(client, "crm.query.deal.get", OTHER, deal_id=theirs["id"])
        assert _code(get) == "forbidden" and "access: own" in get["error"]["message"]
        refusals = [
            await client.cmd(
                "deal.update", actor_id=OTHER, deal_id=theirs["id"], fields={"title": "мой"}
            ),
            await client.cmd(
                "deal.move", actor_id=OTHER, deal_id=theirs["id"], to_stage="LOST_SPAM"
            ),
            await client.cmd("deal.contact_attempt", actor_id=OTHER, deal_id=theirs["id"]),
            await client.cmd("task.complete", actor_id=OTHER, task_id=task["id"]),
            await client.cmd("task.comment", actor_id=OTHER, task_id=task["id"], text="?"),
        ]
        assert [_code(r) for r in refusals] == ["forbidden"] * 5, refusals
        unchanged = (await _ask(client, "crm.query.deal.get", ROP, deal_id=theirs["id"]))["deal"]
        assert unchanged["version"] == theirs["version"] and unchanged["contact_attempts"] == 0
        assert unchanged["stage"] == "NEW_LEAD" and unchanged["title"] == theirs["title"]

        # Lists are scoped: mgr-2 sees their deal and none of mgr-1's tasks; asking for
        # mgr-1's by name is refused rather than answered empty.
        listed = await _ask(client, "crm.query.deal.list", OTHER)
        assert [d["id"] for d in listed["items"]] == [other["id"]]
        tasks = await _ask(client, "crm.query.task.list", OTHER)
        assert {t["responsible_id"] for t in tasks["items"]} <= {OTHER}
        assert task["id"] not in {t["id"] for t in tasks["items"]}
        for subject in ("crm.query.deal.list", "crm.query.task.list"):
            named = await _ask(client, subject, OTHER, responsible_id=MINE)
            assert _code(named) == "forbidden", named
        # The responsible works the deal, but reassigning it is for a РОП.
        assert (await _ask(client, "crm.query.deal.get", MINE, deal_id=theirs["id"]))["ok"]
        reply = await client.cmd(
            "deal.contact_attempt", actor_id=MINE, deal_id=theirs["id"], note="не взял"
        )
        assert reply["ok"], reply
        reply = await client.cmd(
            "deal.update", actor_id=MINE, deal_id=theirs["id"], fields={"responsible_id": OTHER}
        )
        assert _code(reply) == "forbidden" and "only a РОП" in reply["error"]["message"]
        reply = await client.cmd(
            "deal.create", actor_id=MINE, responsible_id=OTHER, contact={"name": "Ян"}
        )
        assert _code(reply) == "forbidden", reply
        reply = await client.cmd("task.comment", actor_id=MINE, task_id=task["id"], text="ок")
        assert reply["ok"], reply

        # The РОП reads and changes every deal and task, and reassigns.
        assert (await _ask(client, "crm.query.deal.get", ROP, deal_id=other["id"]))["ok"]
        everyone = await _ask(client, "crm.query.deal.list", ROP)
        assert {theirs["id"], other["id"]} <= {d["id"] for d in everyone["items"]}
        reply = await client.cmd(
            "deal.update", actor_id=ROP, deal_id=other["id"], fields={"responsible_id": MINE}
        )
        assert reply["ok"] and reply["deal"]["responsible_id"] == MINE, reply
        moved = await _ask(client, "crm.query.deal.get", OTHER, deal_id=other["id"])
        assert _code(moved) == "forbidden"  # no longer theirs
        done = await client.cmd("task.complete", actor_id=ROP, task_id=task["id"])
        assert done["ok"], done

        # No actor, no answer; an unknown one is refused as in a command.
        bare = await _ask(client, "crm.query.deal.list", None)
        assert _code(bare) == "invalid" and "actor_id" in bare["error"]["message"]
        ghost = await _ask(client, "crm.query.task.list", "ghost")
        assert _code(ghost) == "not_found", ghost


async def test_reports_are_in_the_actors_scope(clean: Any, client: Client) -> None:
    conn = await asyncpg.connect(asyncpg_dsn(clean.database_url))
    try:
        await insert_fixture(conn)
    finally:
        await conn.close()
    period = {"from": FROM, "to": TO}
    async with running(clean, "deal-service", "task-service"):
        for subject in ("crm.query.analytics.funnel", "crm.query.analytics.period"):
            own = (await _ask(client, subject, MINE, **period))["report"]
            asked = await _ask(client, subject, ROP, responsible_id=MINE, **period)
            whole = (await _ask(client, subject, ROP, **period))["report"]
            assert own["responsible_id"] == MINE, subject
            for part in ("created", "won", "overdue"):
                assert own[part] == asked["report"][part], (subject, part)
            assert own["created"] < whole["created"], subject
            refused = await _ask(client, subject, MINE, responsible_id=OTHER, **period)
            assert _code(refused) == "forbidden", refused
        overdue = await _ask(client, "crm.query.task.overdue_by_responsible", MINE)
        assert [r["responsible_id"] for r in overdue["items"]] == [MINE]
        everyone = await _ask(client, "crm.query.task.overdue_by_responsible", ROP)
        assert [r["responsible_id"] for r in everyone["items"]] == [MINE, OTHER]


async def test_access_all_lets_managers_see_and_work_every_deal(clean: Any, client: Client) -> None:
    config = config_with(change=lambda data: data.update(access={"manager": "all"}))
    async with running(clean, "deal-service", "task-service", config=config):
        theirs = await client.deal_for(MINE)
        task = await _task_of(client, theirs["id"])

        got = await _ask(client, "crm.query.deal.get", OTHER, deal_id=theirs["id"])
        assert got["ok"], got
        listed = await _ask(client, "crm.query.deal.list", OTHER, responsible_id=MINE)
        assert [d["id"] for d in listed["items"]] == [theirs["id"]]
        tasks = await _ask(client, "crm.query.task.list", OTHER, responsible_id=MINE)
        assert [t["id"] for t in tasks["items"]] == [task["id"]]
        for n in range(3):
            reply = await client.cmd(
                "deal.contact_attempt", actor_id=OTHER, deal_id=theirs["id"], note=f"звонок {n}"
            )
            assert reply["ok"], reply

        # Still only a РОП reassigns, and only the deal's РОП agrees to rule 6.
        reply = await client.cmd(
            "deal.update", actor_id=OTHER, deal_id=theirs["id"], fields={"responsible_id": OTHER}
        )
        assert _code(reply) == "forbidden", reply
        reply = await client.cmd(
            "deal.move", actor_id=OTHER, deal_id=theirs["id"], to_stage="LOST_NO_CONTACT"
        )
        assert _code(reply) == "rop_approval_required", reply
        reply = await client.cmd(
            "deal.move", actor_id=ROP, deal_id=theirs["id"], to_stage="LOST_NO_CONTACT"
        )
        assert reply["ok"], reply
