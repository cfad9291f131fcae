"""crm.cmd.task.comment: comments on tasks, the crm.task.commented event, and the round trip
between a manager and the РОП on an overdue task (the РОП asks «по какой причине»)."""

from __future__ import annotations

import uuid
from typing import Any

from tests.cli_support import crm, crm_json
from tests.services import running
from tests.support import Client, eventually
from tests.tasks_support import deal_snapshot, drained, hours_ago, publish, stage_changed, tasks


async def _overdue_task(client: Client) -> dict[str, Any]:
    """A NEW_LEAD task (deadline 1 h) of a deal that entered the stage two hours ago."""
    deal = deal_snapshot(str(uuid.uuid4()), 1, "NEW_LEAD", hours_ago(2))
    await publish(client, *stage_changed(deal, None))
    found: list[dict[str, Any]] = await eventually(lambda: tasks(client, deal_id=deal["id"]))
    return found[0]


async def test_comment_scope_payload_and_event(clean: Any, client: Client) -> None:
    commented = await client.record("crm.task.commented")
    async with running(clean, "task-service"):
        task = await _overdue_task(client)  # responsible mgr-1, creator rop-1
        assert task["comments"] == []

        reply = await client.cmd("task.comment", actor_id="mgr-2", task_id=task["id"], text="?")
        assert reply["error"]["code"] == "forbidden", reply
        reply = await client.cmd("task.comment", actor_id="ghost", task_id=task["id"], text="?")
        assert reply["error"]["code"] == "not_found", reply
        reply = await client.cmd("task.comment", actor_id="mgr-1", task_id="nope", text="?")
        assert reply["error"]["code"] == "not_found", reply
        reply = await client.cmd("task.comment", actor_id="mgr-1", task_id=task["id"], text="  ")
        assert reply["error"]["code"] == "invalid", reply

        reply = await client.cmd(
            "task.comment", actor_id="rop-1", task_id=task["id"], text="Почему просрочена?"
        )
        assert reply["ok"], reply
        reply = await client.cmd(
            "task.comment", actor_id="mgr-1", task_id=task["id"], text=" Клиент не отвечал "
        )
        assert reply["ok"], reply
        comments = reply["task"]["comments"]
        assert [(c["author_id"], c["text"]) for c in comments] == [
            ("rop-1", "Почему просрочена?"),
            ("mgr-1", "Клиент не отвечал"),
        ]
        assert comments[0]["at"] <= comments[1]["at"]
        # The task list shows them too, and each comment was an event.
        [listed] = await tasks(client, deal_id=task["deal_id"])
        assert listed["comments"] == comments
        events = await eventually(
            lambda: (
                len(commented.data("crm.task.commented")) == 2
                and commented.data("crm.task.commented")
            )
        )
        assert [e["comment"]["text"] for e in events] == ["Почему просрочена?", "Клиент не отвечал"]
        assert events[1]["task"]["comments"] == comments

        # The overdue-by-manager query lists the overdue task with its last comment.
        reply = await client.request("crm.query.task.overdue_by_responsible", {"actor_id": "rop-1"})
        [row] = [r for r in reply["items"] if r["responsible_id"] == "mgr-1"]
        [listed_overdue] = [t for t in row["tasks"] if t["id"] == task["id"]]
        assert listed_overdue["last_comment"]["text"] == "Клиент не отвечал"
        assert listed_overdue["last_comment"]["author_id"] == "mgr-1"


async def test_comment_round_trip_between_manager_and_rop(clean: Any, client: Client) -> None:
    to_rop = await client.record("crm.notify.rop-1")
    to_manager = await client.record("crm.notify.mgr-1")
    async with running(clean, "task-service", "notifier"):
        task = await _overdue_task(client)
        # The РОП hears of the lapse first (rule 3) ...
        await eventually(
            lambda: any(n["kind"] == "task_overdue" for n in to_rop.data("crm.notify.rop-1"))
        )
        # ... asks why; the manager reads the question ...
        reply = await client.cmd(
            "task.comment", actor_id="rop-1", task_id=task["id"], text="По какой причине?"
        )
        assert reply["ok"], reply
        asked = await eventually(
            lambda: [
                n for n in to_manager.data("crm.notify.mgr-1") if n["kind"] == "task_commented"
            ]
        )
        assert "По какой причине?" in asked[0]["text"] and asked[0]["task"]["id"] == task["id"]
        assert "Анна Петрова" in asked[0]["text"]
        # ... and answers; the РОП reads the answer.
        reply = await client.cmd(
            "task.comment", actor_id="mgr-1", task_id=task["id"], text="Клиент в отпуске"
        )
        assert reply["ok"], reply
        answered = await eventually(
            lambda: [n for n in to_rop.data("crm.notify.rop-1") if n["kind"] == "task_commented"]
        )
        assert "Клиент в отпуске" in answered[0]["text"]
        assert answered[0]["task"]["comments"][-1]["text"] == "Клиент в отпуске"
        await eventually(lambda: drained(client))
        # Each side heard once: nobody is told of their own comment.
        mine = [n for n in to_manager.data("crm.notify.mgr-1") if n["kind"] == "task_commented"]
        assert len(mine) == 1


async def test_a_retried_comment_is_added_once(clean: Any, client: Client) -> None:
    commented = await client.record("crm.task.commented")
    async with running(clean, "task-service"):
        task = await _overdue_task(client)
        body = {"actor_id": "mgr-1", "task_id": task["id"], "text": "Перезвоню завтра"}
        # The client timed out on the first and sends the same command again.
        first = await client.cmd("task.comment", request_id="c-1", **body)
        again = await client.cmd("task.comment", request_id="c-1", **body)
        assert first["ok"] and again == first
        [listed] = await tasks(client, deal_id=task["deal_id"])
        assert [c["text"] for c in listed["comments"]] == ["Перезвоню завтра"]
        another = await client.cmd("task.comment", request_id="c-2", **body)
        assert len(another["task"]["comments"]) == 2  # a new request id is a new comment
        await eventually(lambda: drained(client))
        await eventually(lambda: len(commented.data("crm.task.commented")) >= 2)
    assert len(commented.data("crm.task.commented")) == 2


async def test_every_comment_is_read_back_though_the_payload_carries_ten(
    clean: Any, client: Client
) -> None:
    """crm.query.task.comments pages through all of a task's comments; `crm task show` shows
    them all and `crm task comment` counts them all, not the ten the payload carries."""
    async with running(clean, "task-service"):
        task = await _overdue_task(client)
        for n in range(1, 13):
            reply = await client.cmd(
                "task.comment", actor_id="mgr-1", task_id=task["id"], text=f"№{n}"
            )
        carried = reply["task"]
        assert carried["comments_count"] == 12
        assert [c["text"] for c in carried["comments"]] == [f"№{n}" for n in range(3, 13)]

        pages, cursor = [], None
        while True:
            body = {"actor_id": "rop-1", "task_id": task["id"], "limit": 5}
            page = await client.request("crm.query.task.comments", body | {"cursor": cursor})
            assert page["ok"] and page["total"] == 12, page
            pages.append([c["text"] for c in page["items"]])
            if not (cursor := page["next_cursor"]):
                break
        assert [len(p) for p in pages] == [5, 5, 2]
        assert [t for p in pages for t in p] == [f"№{n}" for n in range(1, 13)]
        assert pages[2] == [c["text"] for c in carried["comments"][-2:]]

        for actor, cursor, code in (("mgr-2", None, "forbidden"), ("rop-1", "x", "invalid")):
            body = {"actor_id": actor, "task_id": task["id"], "cursor": cursor}
            refused = await client.request("crm.query.task.comments", body)
            assert refused["error"]["code"] == code, refused
        gone = {"actor_id": "rop-1", "task_id": "nope"}
        assert (await client.request("crm.query.task.comments", gone))["error"]["code"] == (
            "not_found"
        )

        said = await crm(clean, "task", "comment", task["id"], "№13", actor="rop-1")
        assert said.exit_code == 0 and "комментарий 13 к задаче" in said.output, said.output
        shown = await crm_json(clean, "task", "show", task["id"])
        assert [c["text"] for c in shown["comments"]] == [f"№{n}" for n in range(1, 14)]
        assert shown["comments_count"] == 13
