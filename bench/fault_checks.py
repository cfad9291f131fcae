"""After a fault: wait until the system has settled, then count, from the databases and the
streams, what every accepted lead became.

The invariants (issue 6): every accepted lead is exactly one deal, every open deal has
exactly one open task, every overdue task exactly one notification, and the dead-letter
subject holds only the poison.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import nats
from nats.js import JetStreamContext

from bench.load import poll
from bench.stream import SOURCE, LeadStream
from crm_shared.db import asyncpg_dsn

CONSUMERS = [
    ("CRM_LEADS", "deal-service-leads"),
    ("CRM_EVENTS", "task-service-deals"),
    ("CRM_EVENTS", "notifier-tasks"),
]


@dataclass
class Outcome:
    """One row of the faults table."""

    fault: str
    leads: int = 0
    deals: int = 0
    open_tasks: int = 0
    notifications: int = 0
    duplicates: int = 0
    lost: int = 0
    copies_sent: int = 0
    poison_sent: int = 0
    dead_letters: int = 0
    bus_copies: int = 0
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """All invariants hold."""
        return not self.problems


async def stored(js: JetStreamContext, stream: str, subject: str) -> list[dict[str, Any]]:
    """Every message a stream holds on `subject`, as JSON (raw text kept under "raw")."""
    sub = await js.pull_subscribe(subject, stream=stream)
    out: list[dict[str, Any]] = []
    try:
        while True:
            try:
                msgs = await sub.fetch(1000, timeout=1.0)
            except TimeoutError:
                break
            for msg in msgs:
                try:
                    out.append(json.loads(msg.data))
                except ValueError:
                    out.append({"raw": msg.data.decode(errors="replace")})
                await msg.ack()
    finally:
        await sub.unsubscribe()
    return out


async def settled(nats_url: str, database_url: str, timeout: float = 180.0) -> bool:
    """True once nothing is pending anywhere: consumers drained, outboxes empty, every
    deadline passed and fired. Twice in a row, so a redelivery in between is not missed."""
    nc = await nats.connect(nats_url)
    js = nc.jetstream(timeout=10)
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    quiet = 0

    async def check() -> bool:
        nonlocal quiet
        try:
            busy = await _busy(js, conn)
        except Exception:  # a server still coming back: not settled yet
            busy = True
        quiet = 0 if busy else quiet + 1
        return quiet >= 2

    try:
        return await poll(check, timeout=timeout, interval=0.5)
    finally:
        await conn.close()
        await nc.close()


async def _busy(js: JetStreamContext, conn: asyncpg.Connection) -> bool:
    for stream, durable in CONSUMERS:
        info = await js.consumer_info(stream, durable)
        if info.num_pending or info.num_ack_pending:
            return True
    waiting = await conn.fetchval(
        """SELECT (SELECT count(*) FROM deal.outbox) + (SELECT count(*) FROM task.outbox)
                + (SELECT count(*) FROM notifier.outbox)
                + (SELECT count(*) FROM task.tasks WHERE status = 'open' AND deadline > now())
                + (SELECT count(*) FROM notifier.deadlines WHERE open AND fired_at IS NULL)"""
    )
    return bool(waiting)


async def verify(fault: str, stream: LeadStream, nats_url: str, database_url: str) -> Outcome:
    """Count deals, tasks, notifications and dead letters against the accepted leads."""
    out = Outcome(fault, leads=len(stream.accepted), copies_sent=stream.extra_copies)
    out.poison_sent = len(stream.poison_sent)
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        await _check_deals(conn, stream, out)
        tasks = await _check_tasks(conn, out)
    finally:
        await conn.close()
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream(timeout=10)
        await _check_notifications(js, tasks, out)
        await _check_bus(js, out)
        await _check_dead_letters(js, stream, out)
    finally:
        await nc.close()
    return out


async def _check_deals(conn: asyncpg.Connection, stream: LeadStream, out: Outcome) -> None:
    rows = await conn.fetch(
        "SELECT external_id, count(*) AS n FROM deal.deals WHERE source = $1 GROUP BY 1", SOURCE
    )
    per_lead = {r["external_id"]: int(r["n"]) for r in rows}
    out.deals = sum(per_lead.values())
    lost = stream.accepted - per_lead.keys()
    extra = sum(n - 1 for n in per_lead.values()) + len(per_lead.keys() - stream.accepted)
    _count(out, "deals", lost=len(lost), dup=extra)


async def _check_tasks(conn: asyncpg.Connection, out: Outcome) -> dict[str, bool]:
    """Each deal (all stay in their first, open stage) has exactly one task, and it is open.
    Returns task id → whether its deadline has passed."""
    rows = await conn.fetch(
        """SELECT d.id, count(t.id) FILTER (WHERE t.status = 'open') AS open,
                  count(t.id) AS total
           FROM deal.deals d LEFT JOIN task.tasks t ON t.deal_id = d.id
           WHERE d.source = $1 GROUP BY d.id""",
        SOURCE,
    )
    out.open_tasks = sum(int(r["open"]) for r in rows)
    lost = sum(1 for r in rows if r["open"] == 0)
    dup = sum(int(r["total"]) - 1 for r in rows if r["total"] > 1)
    _count(out, "open tasks", lost=lost, dup=dup)
    tasks = await conn.fetch("SELECT id, deadline <= now() AS due FROM task.tasks")
    return {r["id"]: bool(r["due"]) for r in tasks}


async def _check_notifications(js: JetStreamContext, tasks: dict[str, bool], out: Outcome) -> None:
    notes = await stored(js, "CRM_NOTIFY", "crm.notify.>")
    per_task = Counter(
        n["data"]["task"]["id"]
        for n in notes
        if n.get("data", {}).get("kind") == "task_overdue" and n["data"].get("task")
    )
    out.notifications = sum(per_task.values())
    due = {t for t, is_due in tasks.items() if is_due}
    lost = len(due - per_task.keys())
    dup = sum(n - 1 for n in per_task.values()) + len(per_task.keys() - tasks.keys())
    _count(out, "notifications", lost=lost, dup=dup)


async def _check_bus(js: JetStreamContext, out: Outcome) -> None:
    """Copies of one event the stream let through (absorbed by inboxes), and two different
    events announcing the same deal or task (which no inbox can absorb)."""
    events = await stored(js, "CRM_EVENTS", "crm.>")
    ids = Counter(e.get("id") for e in events)
    out.bus_copies = sum(n - 1 for n in ids.values())
    announced: dict[str, set[str]] = {}
    for e in events:
        data = e.get("data") or {}
        if e.get("type") == "crm.deal.created.v1":
            announced.setdefault("deal:" + data["deal"]["id"], set()).add(e["id"])
        elif e.get("type") == "crm.task.opened.v1":
            announced.setdefault("task:" + data["task"]["id"], set()).add(e["id"])
    twice = sum(len(ids) - 1 for ids in announced.values())
    if twice:
        out.duplicates += twice
        out.problems.append(f"{twice} deals/tasks announced by more than one event")


async def _check_dead_letters(js: JetStreamContext, stream: LeadStream, out: Outcome) -> None:
    letters = await stored(js, "CRM_DLQ", "crm.dlq.>")
    out.dead_letters = len(letters)
    poison = [d for d in letters if _is_poison(d, stream)]
    if len(poison) != len(letters):
        out.problems.append(f"{len(letters) - len(poison)} dead letters that are not poison")
    if len(poison) != out.poison_sent:
        out.problems.append(f"{len(poison)} poison dead-lettered of {out.poison_sent} sent")


def _is_poison(letter: dict[str, Any], stream: LeadStream) -> bool:
    """Poison of the stream (it names itself) or of a flood (by its message id)."""
    msg_id = (letter.get("original_headers") or {}).get("Nats-Msg-Id")
    return msg_id in stream.poison_ids or "POISON" in str(letter.get("original", ""))


def _count(out: Outcome, what: str, *, lost: int, dup: int) -> None:
    out.lost += lost
    out.duplicates += dup
    if lost:
        out.problems.append(f"{lost} {what} missing")
    if dup:
        out.problems.append(f"{dup} {what} twice")


async def wait_settled(nats_url: str, database_url: str, started: float) -> float:
    """Settle, then the seconds since `started`."""
    if not await settled(nats_url, database_url):
        await asyncio.sleep(0)  # checked anyway: what is missing shows in the counts
    return time.monotonic() - started
