"""Order and duplicates (SPEC §4): the deal version decides, whatever the bus delivers.

The events of each deal are published by hand, duplicated (the same id again, which the
stream drops, and copies under new ids, which only the version check catches) and shuffled.
Task-service handles them one per batch, so it really sees them out of order.
"""

from __future__ import annotations

import random
import uuid
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest

from tests.services import running
from tests.support import Client, Recorder, eventually
from tests.tasks_support import (
    deal_snapshot,
    deal_updated,
    drained,
    hours_ago,
    publish,
    stage_changed,
    tasks,
    ts,
)

Event = tuple[str, str, bytes]


def _history(deal_id: str) -> tuple[list[Event], dict[str, Any]]:
    """A deal's events v1..v6 in order, and its last snapshot."""
    start = hours_ago(1)
    created = {"created_at": start}

    def at(version: int, stage: str, **fields: Any) -> dict[str, Any]:
        when = start + timedelta(minutes=version)
        return deal_snapshot(deal_id, version, stage, when, **created, **fields)

    v6 = at(6, "ANSWER_RECEIVED", responsible_id="mgr-2")
    events = [
        stage_changed(at(1, "NEW_LEAD"), None),
        deal_updated(at(2, "NEW_LEAD", requirements="r"), ["requirements"]),
        stage_changed(at(3, "PROCESSING"), "NEW_LEAD"),
        deal_updated(at(4, "PROCESSING", responsible_id="mgr-2"), ["responsible_id"]),
        stage_changed(at(5, "OFFER_MADE", responsible_id="mgr-2"), "PROCESSING"),
        stage_changed(v6, "OFFER_MADE"),
    ]
    return events, v6


def _duplicated(events: list[Event]) -> list[Event]:
    """Each event, the same event again (same id), and a copy under a new id."""
    out: list[Event] = []
    for subject, event_id, body in events:
        out += [(subject, event_id, body), (subject, event_id, body)]
        copy = f"copy-{event_id}"
        out.append((subject, copy, body.replace(event_id.encode(), copy.encode())))
    return out


def _assert_never_twice(rec: Recorder, deal_id: str) -> list[dict[str, Any]]:
    """Each task opened once, closed at most once and never after closing; one per stage."""
    opened = [d["task"] for d in rec.data("crm.task.opened") if d["task"]["deal_id"] == deal_id]
    closed = [d["task"] for d in rec.data("crm.task.closed") if d["task"]["deal_id"] == deal_id]
    assert max(Counter(t["id"] for t in opened).values()) == 1
    assert max(Counter(t["stage"] for t in opened).values()) == 1
    if closed:
        assert max(Counter(t["id"] for t in closed).values()) == 1
    assert {t["id"] for t in closed} <= {t["id"] for t in opened}
    return opened


@pytest.fixture
def one_per_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_TASK_BATCH_SIZE", "1")


async def test_duplicated_and_shuffled_events_open_one_task(
    clean: Any, client: Client, one_per_batch: None
) -> None:
    rec = await client.record("crm.task.>")
    rng = random.Random(20261126)
    histories = {}
    stream: list[Event] = []
    for _ in range(6):
        deal_id = str(uuid.uuid4())
        events, last = _history(deal_id)
        histories[deal_id] = last
        shuffled = _duplicated(events)
        rng.shuffle(shuffled)
        stream += shuffled
    # The worst case, deterministically: the newest event first, the rest after it.
    newest_first = str(uuid.uuid4())
    events, last = _history(newest_first)
    histories[newest_first] = last
    stream += _duplicated([events[-1], *events[:-1]])

    async with running(clean, "task-service"):
        for event in stream:
            await publish(client, *event)
        await eventually(lambda: drained(client), timeout=30)
        for deal_id, last in histories.items():
            [task] = await tasks(client, deal_id=deal_id, status="open")
            assert task["stage"] == "ANSWER_RECEIVED"
            assert task["title"] == "Пётр. Отправить счет на оплату"
            assert task["responsible_id"] == "mgr-2" and task["creator_id"] == "rop-1"
            assert ts(task["deadline"]) == ts(last["updated_at"]) + timedelta(days=1)
            await eventually(
                lambda d=deal_id: any(
                    t["task"]["deal_id"] == d for t in rec.data("crm.task.opened")
                )
            )
            _assert_never_twice(rec, deal_id)
        opened = _assert_never_twice(rec, newest_first)
        assert [t["stage"] for t in opened] == ["ANSWER_RECEIVED"]  # nothing before it


async def test_late_events_never_reopen_a_closed_deal(
    clean: Any, client: Client, one_per_batch: None
) -> None:
    rec = await client.record("crm.task.>")
    deal_id = str(uuid.uuid4())
    start = hours_ago(1)
    v1 = deal_snapshot(deal_id, 1, "NEW_LEAD", start)
    v2 = deal_snapshot(deal_id, 2, "PROCESSING", start + timedelta(minutes=1), created_at=start)
    v3 = deal_snapshot(deal_id, 3, "LOST_SPAM", start + timedelta(minutes=2), created_at=start)
    first = stage_changed(v1, None)
    async with running(clean, "task-service"):
        for event in [first, stage_changed(v3, "PROCESSING"), stage_changed(v2, "NEW_LEAD")]:
            await publish(client, *event)
        await publish(client, first[0], "again-" + first[1], first[2])
        await eventually(lambda: drained(client))
        found = await tasks(client, deal_id=deal_id)
        assert [(t["stage"], t["status"], t["close_reason"]) for t in found] == [
            ("NEW_LEAD", "closed", "deal_closed")
        ]
        await eventually(lambda: rec.data("crm.task.closed"))
        assert [t["stage"] for t in _assert_never_twice(rec, deal_id)] == ["NEW_LEAD"]
