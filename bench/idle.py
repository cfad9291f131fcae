"""Idle lag (issue 24): how late after its due time a quiet deal is told, with many deals
watched, and what watching them costs the notifier.

The notifier runs alone; deal-service's events are published straight to the stream as it
would: an `IdleThresholdsSet` (NEW_LEAD: 30 minutes), then a `StageChanged` into NEW_LEAD
per deal. Most deals' last activity is recent (due in about half an hour: only watched);
a small set's lies so far back that they fall due during the measurement, spread over a
few seconds, and for each the lag is its deal_idle notice's arrival minus its due time.
The watched count is a parameter (`--idle-watched`, default 100,000; the issue's figure is
1,000,000, which takes a while to load on a small machine).
"""

from __future__ import annotations

import argparse
import json
import time
import uuid
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any

import nats
from nats.aio.msg import Msg

from bench.find import Starter
from bench.lag import Lag, near_lag
from bench.load import poll, publish_all
from bench.procs import create_database, execute, fetchval, service_env
from bench.report import Report
from crm_shared.devstack import DevStack

LAG_MS, RSS_MB = 1_000.0, 200.0
"""The overdue watcher's targets: the idle watch is held to the same (issue 24)."""

THRESHOLD = timedelta(minutes=30)
RESPONSIBLE = "mgr-1"


def _event(subject: str, type_: str, data: dict[str, Any], subject_id: str) -> bytes:
    event = {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": "bench/deals",
        "type": type_,
        "subject": subject_id,
        "data": data,
    }
    return json.dumps(event, ensure_ascii=False).encode()


def thresholds_set() -> bytes:
    """deal-service's thresholds: NEW_LEAD watched at THRESHOLD, the rest not."""
    now = datetime.now(UTC)
    item = {"stage": "NEW_LEAD", "seconds": THRESHOLD.total_seconds(), "samples": 0,
            "source": "config"}  # fmt: skip
    data = {"computed_at": now.isoformat(), "since": (now - timedelta(days=90)).isoformat(),
            "items": [item]}  # fmt: skip
    return _event("crm.deal.idle_thresholds", "crm.deal.idle_thresholds.v1", data, "idle")


def stage_changed(last_activity: datetime, n: int) -> bytes:
    """A deal entering NEW_LEAD at `last_activity`, as deal-service emits it."""
    deal_id = f"bench-idle-{uuid.uuid4().hex[:12]}-{n}"
    deal = {
        "id": deal_id, "version": 1, "stage": "NEW_LEAD", "title": f"Сделка {n}",
        "responsible_id": RESPONSIBLE, "rop_id": "rop-1",
        "created_at": last_activity.isoformat(), "updated_at": last_activity.isoformat(),
    }  # fmt: skip
    data = {"deal_id": deal_id, "from_stage": None, "to_stage": "NEW_LEAD", "version": 1,
            "actor_id": None, "deal": deal}  # fmt: skip
    return _event("crm.deal.stage_changed", "crm.deal.stage_changed.v1", data, deal_id)


def _thresholds_in(database_url: str) -> Any:
    async def check() -> bool:
        return bool(await fetchval(database_url, "SELECT count(*) FROM notifier.idle_thresholds"))

    return check


async def _watched(database_url: str) -> int:
    return int(
        await fetchval(
            database_url,
            "SELECT count(*) FROM notifier.idle_deals WHERE fired_at IS NULL "
            "AND due_at IS NOT NULL",
        )
    )


FILL_SQL = """INSERT INTO notifier.idle_deals (deal_id, version, stage, active, responsible_id,
        rop_id, title, last_activity_at, due_at)
    SELECT 'bench-idle-sql-' || g, 1, 'NEW_LEAD', true, $2, 'rop-1', 'Сделка ' || g,
           $3::timestamptz + g * interval '1 ms',
           $3::timestamptz + make_interval(secs => $4::float8) + g * interval '1 ms'
    FROM generate_series(1, $1::int) g"""
"""The rows the notifier writes for a deal entering NEW_LEAD (`--idle-fill sql`): a watched
deal is one row with its due time, whatever the way it came in."""


async def idle_lag(
    nats_url: str,
    database_url: str,
    watched: int = 100_000,
    due: int = 1_000,
    spread: float = 8.0,
    fill: str = "events",
) -> Lag:
    """Load `watched` deals due in half an hour, then `due` ones due within seconds; measure
    each near one's lag (its deal_idle notice on crm.notify.<responsible>). `fill`: the
    watched deals come as StageChanged events through the notifier's consumer (`events`,
    about 750 a second on a small machine), or as the rows it would have written (`sql`,
    for a million in seconds); the near ones always come as events."""
    nc = await nats.connect(nats_url)
    js = nc.jetstream(timeout=30)
    await publish_all(js, "crm.deal.idle_thresholds", [thresholds_set()])
    await poll(_thresholds_in(database_url), timeout=60, interval=0.2)
    before = await _watched(database_url)
    start = time.perf_counter()
    now = datetime.now(UTC)
    if fill == "sql":
        await execute(database_url, FILL_SQL, watched, RESPONSIBLE, now, THRESHOLD.total_seconds())
        await execute(database_url, "ANALYZE notifier.idle_deals")
    else:
        bodies = [stage_changed(now + timedelta(seconds=n * 0.001), n) for n in range(watched)]
        await publish_all(js, "crm.deal.stage_changed", bodies)
        del bodies

    async def loaded() -> bool:
        return await _watched(database_url) >= before + watched

    await poll(loaded, timeout=600, interval=0.5)
    load_seconds = time.perf_counter() - start
    total = await _watched(database_url)

    told: dict[str, float] = {}
    due_at: dict[str, float] = {}

    async def on_notice(msg: Msg) -> None:
        arrived = time.time()
        data = json.loads(msg.data)["data"]
        if data["kind"] == "deal_idle":
            told.setdefault(data["deal_id"], arrived)

    await nc.subscribe(f"crm.notify.{RESPONSIBLE}", cb=on_notice, pending_msgs_limit=-1)
    await nc.flush()
    first = datetime.now(UTC) + timedelta(seconds=3)  # time to record every near deal first
    near = []
    for n in range(due):
        at = first + timedelta(seconds=spread * n / due)
        body = stage_changed(at - THRESHOLD, watched + n)
        due_at[json.loads(body)["data"]["deal_id"]] = at.timestamp()
        near.append(body)
    lag = await near_lag(
        js,
        "crm.deal.stage_changed",
        near,
        due_at,
        told,
        spread=spread,
        watched=total,
        load_seconds=load_seconds,
    )
    await nc.close()
    return lag


async def run(report: Report, args: argparse.Namespace, stack: DevStack, start: Starter) -> None:
    """The `idle` phase: the notifier alone on a database of its own, `--idle-watched` deals
    watched (filled in SQL: a million in seconds), the idle lag and the notifier's memory."""
    db = await create_database(stack.database_url, "bench_idle")
    svc = await start(["notifier"], service_env(stack.nats_url, db), "-idle", stack.nats_url_as)
    try:
        print(f"  {args.idle_watched:,} watched deals, filled in SQL...", flush=True)
        lag = await idle_lag(stack.nats_url, db, watched=args.idle_watched, fill="sql")
        rss = svc["notifier"].rss_mb()
    finally:
        for s in svc.values():
            s.stop()
    report.details["idle_phase"] = asdict(lag)
    note = f"{lag.fired}/{lag.due} told, {lag.watched:,} deals watched (filled in SQL)"
    report.add("Idle lag p99, notifier alone", lag.p99_ms, "ms", below=LAG_MS, note=note)
    report.add(f"Resident memory, notifier, {lag.watched:,} deals watched", rss, "MB",
               below=RSS_MB)  # fmt: skip
