"""Overdue lag: how late after its deadline a task is reported, with many tasks watched.

The notifier runs alone; TaskOpened events are published straight to `crm.task.opened`, as
task-service would. Most deadlines lie far ahead (they are only watched); a small set falls
due during the measurement, spread over a few seconds, and for each the lag is the time
its `crm.task.overdue` arrived minus its deadline.
"""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import nats
from nats.aio.msg import Msg

from bench.lag import Lag, near_lag
from bench.load import poll, publish_all
from bench.procs import fetchval


def task_opened(deadline: datetime, n: int) -> bytes:
    """A TaskOpened event as task-service emits it."""
    now = datetime.now(UTC)
    task = {
        "id": f"bench-task-{uuid.uuid4().hex}",
        "deal_id": f"bench-deal-{n}",
        "stage": "NEW_LEAD",
        "title": "Взять в работу новый лид и принять решение о дальнейшем сотрудничестве",
        "creator_id": "rop-1",
        "responsible_id": "mgr-1",
        "deadline": deadline.isoformat(),
        "status": "open",
        "opened_at": now.isoformat(),
    }
    event: dict[str, Any] = {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": "bench/tasks",
        "type": "crm.task.opened.v1",
        "subject": task["deal_id"],
        "data": {"task": task},
    }
    return json.dumps(event, ensure_ascii=False).encode()


async def _watched(database_url: str) -> int:
    return int(
        await fetchval(
            database_url,
            "SELECT count(*) FROM notifier.deadlines WHERE open AND fired_at IS NULL",
        )
    )


async def overdue_lag(
    nats_url: str, database_url: str, watched: int = 100_000, due: int = 1_000, spread: float = 8.0
) -> Lag:
    """Load `watched` far deadlines, then `due` near ones; measure each near one's lag."""
    nc = await nats.connect(nats_url)
    js = nc.jetstream(timeout=30)
    before = await _watched(database_url)  # tasks of earlier phases count as watched too
    start = time.perf_counter()
    far = datetime.now(UTC) + timedelta(minutes=30)
    bodies = [task_opened(far + timedelta(seconds=n * 0.03), n) for n in range(watched)]
    await publish_all(js, "crm.task.opened", bodies)

    async def loaded() -> bool:
        return await _watched(database_url) >= before + watched

    await poll(loaded, timeout=300, interval=0.5)
    load_seconds = time.perf_counter() - start
    total = await _watched(database_url)

    fired_at: dict[str, float] = {}
    deadlines: dict[str, float] = {}

    async def on_overdue(msg: Msg) -> None:
        now = time.time()
        task = json.loads(msg.data)["data"]["task"]
        fired_at.setdefault(task["id"], now)

    await nc.subscribe("crm.task.overdue", cb=on_overdue, pending_msgs_limit=-1)
    await nc.flush()
    # The first one due 3 s from now: time enough for every near task to be recorded first.
    first = datetime.now(UTC) + timedelta(seconds=3)
    near = []
    for n in range(due):
        at = first + timedelta(seconds=spread * n / due)
        body = task_opened(at, watched + n)
        deadlines[json.loads(body)["data"]["task"]["id"]] = at.timestamp()
        near.append(body)
    lag = await near_lag(
        js,
        "crm.task.opened",
        near,
        deadlines,
        fired_at,
        spread=spread,
        watched=total,
        load_seconds=load_seconds,
    )
    await nc.close()
    return lag
