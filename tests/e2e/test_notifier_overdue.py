"""Rule 3: an overdue task reaches the РОП on time, exactly once, on every channel."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from crm_shared.machinery.bus import ensure_streams
from tests.notifier_support import (
    FAST_ENV,
    MGR,
    ROP,
    Mailbox,
    Receiver,
    close_task,
    config,
    config_data,
    open_task,
    publish,
    rows,
    task,
    whsec,
    write_config,
)
from tests.services import ServiceProcess, running
from tests.support import Client, eventually, steady

pytestmark = pytest.mark.usefixtures("notifier_fast")


async def test_overdue_task_reaches_rop_once_on_bus_webhook_and_email(
    clean: Any, client: Client
) -> None:
    secret = whsec()
    receiver = Receiver(secret)
    await receiver.start()
    notes = await client.record(f"crm.notify.{ROP}")
    overdue = await client.record("crm.task.overdue")
    channels = [
        {"type": "bus"},
        {"type": "webhook", "url": receiver.url, "secret": secret},
        {"type": "email", "address": "rop@example.ru"},
    ]
    try:
        with Mailbox() as mailbox:
            cfg = config({ROP: channels}, smtp_port=mailbox.port)
            async with running(clean, "notifier", config=cfg) as [svc]:
                t = task(1.0, title="Ольга. Получить ответ на КП")
                await open_task(client, t)
                await eventually(lambda: notes.data(f"crm.notify.{ROP}"))
                await eventually(receiver.accepted)
                await eventually(lambda: mailbox.messages)
                # A bounded window (time enough for any second notification) with one of each.
                await steady(
                    lambda: (
                        max(
                            len(overdue.data("crm.task.overdue")),
                            len(notes.data(f"crm.notify.{ROP}")),
                            len(receiver.hits),
                            len(mailbox.messages),
                        )
                        <= 1
                    ),
                    1.0,
                )

                [event] = overdue.data("crm.task.overdue")
                assert event["task"]["id"] == t["id"]
                assert 0 <= event["overdue_seconds"] < 1.0  # fired within a second
                [note] = notes.data(f"crm.notify.{ROP}")
                assert note["kind"] == "task_overdue" and note["user_id"] == ROP
                assert note["deal_id"] == t["deal_id"] and note["task"]["id"] == t["id"]
                for part in ("«Ольга. Получить ответ на КП»", "просрочена на", "Иван Иванов"):
                    assert part in note["text"]

                [hit] = receiver.hits
                assert hit.error is None and hit.payload["data"] == note
                assert hit.payload["id"] == hit.id  # the CloudEvent id is the webhook-id
                [mail] = mailbox.messages
                assert mail["To"] == "rop@example.ru" and mail["X-Rcpt-To"] == "rop@example.ru"
                assert note["text"] in mail.get_content()

                log = await rows(
                    clean,
                    "SELECT d.channel, a.outcome FROM notifier.delivery_attempts a "
                    "JOIN notifier.deliveries d ON d.id = a.delivery_id ORDER BY d.channel",
                )
                assert [tuple(r) for r in log] == [("email", "delivered"), ("webhook", "delivered")]
                sample = svc.runtime.metrics.registry.get_sample_value
                assert sample("crm_overdue_tasks_fired_total") == 1
                assert sample("crm_notifications_total", {"channel": "bus", "outcome": "published"})
                assert sample("crm_overdue_lag_seconds_count") == 1
    finally:
        await receiver.stop()


async def test_task_closed_in_time_is_not_reported(clean: Any, client: Client) -> None:
    notes = await client.record(f"crm.notify.{ROP}")
    async with running(clean, "notifier", config=config()):
        completed = task(1.0)
        await open_task(client, completed)
        await close_task(client, completed)
        # TaskClosed overtaking its TaskOpened: the late TaskOpened must not revive it.
        overtaken = task(0.5)
        await close_task(client, overtaken)
        await open_task(client, overtaken)
        control = task(1.5)
        await open_task(client, control)
        await eventually(lambda: notes.data(f"crm.notify.{ROP}"))
        await steady(lambda: len(notes.data(f"crm.notify.{ROP}")) <= 1, 0.3)  # no other one
        assert [n["task"]["id"] for n in notes.data(f"crm.notify.{ROP}")] == [control["id"]]
        state = await rows(clean, "SELECT task_id, open, fired_at FROM notifier.deadlines")
        closed = {r["task_id"] for r in state if not r["open"] and r["fired_at"] is None}
        assert closed == {completed["id"], overtaken["id"]}


async def test_deadline_passed_while_down_fires_after_start(clean: Any, client: Client) -> None:
    notes = await client.record(f"crm.notify.{ROP}")
    cfg = config()
    async with running(clean, "notifier", config=cfg):
        before = task(0.8)
        await open_task(client, before)
        await eventually(lambda: rows(clean, "SELECT 1 FROM notifier.deadlines"))
    # Down: one deadline passes, one task arrives already late, one is done in time.
    late = task(-30)
    await open_task(client, late)
    done = task(0.3)
    await open_task(client, done)
    await close_task(client, done)
    await steady(lambda: not notes.messages, 1.0)  # deadlines pass while it is down
    async with running(clean, "notifier", config=cfg):
        await eventually(lambda: len(notes.data(f"crm.notify.{ROP}")) >= 2)
        await steady(lambda: len(notes.data(f"crm.notify.{ROP}")) <= 2, 0.5)  # not the done one
        fired = sorted(n["task"]["id"] for n in notes.data(f"crm.notify.{ROP}"))
        assert fired == sorted([before["id"], late["id"]])
        texts = {n["task"]["id"]: n["text"] for n in notes.data(f"crm.notify.{ROP}")}
        # The lateness is measured when it fires: 30 s and however long the restart took.
        said = re.search(r"просрочена на (\d+) с\.", texts[late["id"]])
        assert said, texts[late["id"]]
        since = datetime.now(UTC) - datetime.fromisoformat(late["deadline"])
        assert 30 <= int(said[1]) <= since.total_seconds(), texts[late["id"]]


@pytest.mark.slow
async def test_two_replicas_notify_once(clean: Any, client: Client, tmp_path: Path) -> None:
    secret = whsec()
    receiver = Receiver(secret)
    await receiver.start()
    hook = {"type": "webhook", "url": receiver.url, "secret": secret}
    path = write_config(tmp_path / "crm.yaml", config_data({ROP: [{"type": "bus"}, hook]}))
    notes = await client.record(f"crm.notify.{ROP}")
    overdue = await client.record("crm.task.overdue")
    # Already late when both start (they race for them), and due while both run.
    tasks = [task(-5) for _ in range(15)] + [task(3 + i * 0.1) for i in range(15)]
    await ensure_streams(client.js)  # no service has created them yet
    for t in tasks:
        await open_task(client, t)
    procs = [ServiceProcess("notifier", clean, {"CRM_CONFIG": path, **FAST_ENV}) for _ in "ab"]
    try:
        for p in procs:
            p.start()
        await eventually(lambda: len(notes.data(f"crm.notify.{ROP}")) >= 30, timeout=40)
        await eventually(lambda: len(receiver.accepted()) >= 30, timeout=20)
        # A bounded window: both replicas keep running, and no deadline fires twice.
        await steady(
            lambda: (
                all(p.proc is not None and p.proc.poll() is None for p in procs)
                and len(notes.data(f"crm.notify.{ROP}")) <= len(tasks)
            ),
            1.5,
        )
    finally:
        for p in procs:
            p.stop()
        await receiver.stop()
    expected = sorted(t["id"] for t in tasks)
    assert sorted(n["task"]["id"] for n in notes.data(f"crm.notify.{ROP}")) == expected
    assert sorted(e["task"]["id"] for e in overdue.data("crm.task.overdue")) == expected
    assert sorted(h.payload["data"]["task"]["id"] for h in receiver.accepted()) == expected
    assert all(n["text"].count(MGR) == 0 for n in notes.data(f"crm.notify.{ROP}"))


async def test_nearer_deadline_wakes_the_watcher(
    clean: Any, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CRM_OVERDUE_MAX_SLEEP", "60")  # only a wake-up can make it on time
    overdue = await client.record("crm.task.overdue")
    async with running(clean, "notifier", config=config()):
        await open_task(client, task(3600))
        await eventually(lambda: rows(clean, "SELECT 1 FROM notifier.deadlines"))
        await asyncio.sleep(0.2)  # the watcher is asleep until the far deadline
        near = task(0.5)
        await open_task(client, near)
        [event] = await eventually(lambda: overdue.data("crm.task.overdue"), timeout=5)
    assert event["task"]["id"] == near["id"] and event["overdue_seconds"] < 1.0


async def test_task_updated_changes_who_is_named(clean: Any, client: Client) -> None:
    notes = await client.record(f"crm.notify.{ROP}")
    async with running(clean, "notifier", config=config()):
        t = task(0.8)
        await open_task(client, t)
        moved = {**t, "responsible_id": "mgr-2"}
        await publish(client, "task.updated", {"task": moved, "changed": ["responsible_id"]})
        [note] = await eventually(lambda: notes.data(f"crm.notify.{ROP}"))
    assert "Мария Смирнова" in note["text"] and note["task"]["responsible_id"] == "mgr-2"
