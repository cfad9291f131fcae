"""Notices to the responsible (task_assigned, on the channels they chose, once per task) and
the notification inbox (crm.query.notify.list, crm.cmd.notify.read, retention), on the
real stack."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from crm_shared.config import config_from_data
from tests.notifier_support import (
    MGR,
    ROP,
    Receiver,
    close_task,
    config_data,
    open_task,
    publish,
    task,
)
from tests.services import running
from tests.support import Client, eventually

pytestmark = pytest.mark.usefixtures("notifier_fast")


async def inbox(client: Client, user: str, **body: Any) -> dict[str, Any]:
    reply = await client.request("crm.query.notify.list", {"actor_id": user, **body})
    assert reply["ok"], reply
    return reply


async def nothing_more(check: Any, window: float = 1.5) -> None:
    """Poll for `window` seconds that `check` stays false (never a bare sleep)."""
    with pytest.raises(AssertionError):
        await eventually(check, timeout=window)


async def test_task_assigned_once_per_task_on_the_chosen_channels(
    clean: Any, client: Client, receiver: Receiver
) -> None:
    data = config_data(deadline=3600)
    hook = {"type": "webhook", "url": receiver.url, "secret": receiver.secret}
    for user in data["users"]:
        if user["id"] == MGR:  # mgr-1 wants new tasks on the webhook only, not the bus
            user["channels"] = [{"type": "bus"}, hook]
            user["notify"] = {"task_assigned": ["webhook"]}
    cfg = config_from_data(data, source="test")
    on_bus = await client.record("crm.notify.>")
    async with running(clean, "deal-service", "task-service", "notifier", config=cfg):
        made = await client.cmd(
            "deal.create",
            actor_id=ROP,
            title="Кирпич для дачи",
            contact={"name": "Пётр Сидоров"},
            requirements="20 поддонов",
            responsible_id=MGR,
        )
        assert made["ok"], made
        deal = made["deal"]
        hits = await eventually(receiver.accepted)
        first = hits[0].payload["data"]
        assert first["kind"] == "task_assigned" and first["user_id"] == MGR
        assert "«Кирпич для дачи»" in first["text"] and "Пётр Сидоров" in first["text"]
        assert first["task"]["stage"] == "NEW_LEAD" and first["id"]

        moved = await client.cmd(
            "deal.move", actor_id=MGR, deal_id=deal["id"], to_stage="PROCESSING"
        )
        assert moved["ok"], moved
        await eventually(lambda: len(receiver.accepted()) == 2)
        second = receiver.accepted()[1].payload["data"]
        assert second["task"]["stage"] == "PROCESSING"
        # the stage's title «Пётр Сидоров. Уточнить…» beside the deal's client: named once
        assert "«Уточнить необходимую информацию и сделать КП» по сделке" in second["text"]
        assert second["text"].count("Пётр Сидоров") == 1

        # The same TaskOpened again under another event id (a replayed copy): no new notice.
        await publish(client, "task.opened", {"task": first["task"]}, deal["id"])
        # A manager with the defaults (mgr-2) hears on the bus.
        other = await client.cmd(
            "deal.create", actor_id=ROP, contact={"name": "Оля"}, responsible_id="mgr-2"
        )
        assert other["ok"], other
        await eventually(
            lambda: [n for n in on_bus.data("crm.notify.mgr-2") if n["kind"] == "task_assigned"]
        )
        items = (await inbox(client, MGR))["items"]
        assert [i["kind"] for i in items] == ["task_assigned", "task_assigned"]
        await nothing_more(lambda: len(receiver.accepted()) > 2)
        await nothing_more(
            lambda: [n for n in on_bus.data("crm.notify.mgr-1") if n["kind"] == "task_assigned"],
            window=0.2,
        )
    assert len((await inbox_after(clean, client))["items"]) == 2


async def inbox_after(clean: Any, client: Client) -> dict[str, Any]:
    async with running(clean, "notifier"):
        return await eventually(lambda: inbox(client, MGR))


async def test_the_inbox_keeps_what_nobody_heard(clean: Any, client: Client) -> None:
    titled = {"deal_title": "Окна в офис", "contact_name": "Анна Кузнецова"}
    tasks = [task(3600, title=f"Задача {n}", **titled) for n in range(3)]
    async with running(clean, "notifier"):
        for t in tasks:  # nobody listens on crm.notify.mgr-1
            await open_task(client, t)
        got = await eventually(lambda: _when(inbox(client, MGR), lambda r: len(r["items"]) == 3))
        assert got["unread"] == 3 and got["next_cursor"] is None
        newest = got["items"][0]
        assert newest["kind"] == "task_assigned" and newest["read"] is False
        assert newest["task"]["title"] == "Задача 2" and newest["deal_id"] == tasks[2]["deal_id"]
        assert "«Окна в офис» (Анна Кузнецова)" in newest["text"]
        assert set(newest) == {"id", "kind", "text", "deal_id", "task", "created_at", "read"}

        page = await inbox(client, MGR, limit=2)
        rest = await inbox(client, MGR, limit=2, cursor=page["next_cursor"])
        assert [i["id"] for i in page["items"] + rest["items"]] == [i["id"] for i in got["items"]]

        # Someone else cannot mark them read; the owner can, by id, then all.
        reply = await client.cmd("notify.read", actor_id=ROP, ids=[newest["id"]])
        assert reply == {"ok": True, "count": 0}
        reply = await client.cmd("notify.read", actor_id=MGR, ids=[newest["id"]])
        assert reply == {"ok": True, "count": 1}
        unread = await inbox(client, MGR, unread_only=True)
        assert unread["unread"] == 2 and newest["id"] not in {i["id"] for i in unread["items"]}
        assert (await client.cmd("notify.read", actor_id=MGR, all=True))["count"] == 2
        after = await inbox(client, MGR)
        assert after["unread"] == 0 and all(i["read"] for i in after["items"])

        for bad in (
            {"actor_id": MGR},
            {"actor_id": MGR, "ids": ["x"], "all": True},
        ):
            reply = await client.request("crm.cmd.notify.read", bad)
            assert reply["error"]["code"] == "invalid", reply
        reply = await client.request("crm.query.notify.list", {"actor_id": MGR, "cursor": "x"})
        assert reply["error"]["code"] == "invalid"
        reply = await client.request("crm.query.notify.list", {"actor_id": "ghost"})
        assert reply["error"]["code"] == "not_found"


async def test_overdue_text_names_deal_contact_manager_and_lapse(
    clean: Any, client: Client
) -> None:
    t = task(0.2, deal_title="Кирпич для дачи", contact_name="Пётр Сидоров")
    async with running(clean, "notifier"):
        await open_task(client, t)
        got = await eventually(
            lambda: _when(inbox(client, ROP), lambda r: r["items"] and r["items"][0])
        )
    text = got["items"][0]["text"]
    assert got["items"][0]["kind"] == "task_overdue"
    assert "«Кирпич для дачи» (Пётр Сидоров) просрочена на" in text
    assert "Иван Иванов" in text and t["deal_id"] not in text


async def test_retention_forgets_old_notifications(clean: Any, client: Client) -> None:
    data = config_data(deadline=3600)
    data["notifications"] = {"retention": 1}
    cfg = config_from_data(data, source="test")
    async with running(clean, "notifier", config=cfg):
        await open_task(client, task(3600, deal_id=f"deal-{uuid.uuid4().hex[:8]}"))
        await eventually(lambda: _when(inbox(client, MGR), lambda r: r["items"]))
        await eventually(lambda: _when(inbox(client, MGR), lambda r: not r["items"]), timeout=10)


async def _when(reply: Any, ok: Any) -> Any:
    value = await reply
    return value if ok(value) else None


async def test_a_task_closed_before_the_notifier_saw_it_is_not_announced(
    clean: Any, client: Client
) -> None:
    gone, later = task(3600, title="Уже закрыта"), task(3600, title="Открыта")
    await open_task(client, gone)  # opened and closed while the notifier was down
    await close_task(client, gone)
    await open_task(client, later)
    async with running(clean, "notifier"):
        got = await eventually(lambda: _when(inbox(client, MGR), lambda r: r["items"]))
    assert [i["task"]["title"] for i in got["items"]] == ["Открыта"]
