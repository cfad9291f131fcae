"""A small funnel history whose report was computed by hand (the numbers in the tests).

Period: January 2026, [2026-01-01, 2026-02-01). Times are UTC. Each deal is written as its
deal row and its stage-history rows in order, straight into deal-service's tables, as the
service writes them; the trigger of migration 0002 fills the analytics columns.

deal  resp.  created           walk (time in the stage left)                      end
d1    mgr-1  01-05 10:00       NEW 2h, PROC 1d, OFFER 1d, ANSWER 6h, INVOICE 1d,   WON 15000.00 RUB
                               PAYMENT 1d
d2    mgr-2  01-10 09:00       NEW 30m, PROC 2d                                    WON 5000.50 USD
d3    mgr-1  01-15 00:00       NEW 1h                                              LOST_SPAM
d4    mgr-2  01-20 00:00       NEW 4h, PROC 1d                                     LOST_EXPENS. (c)
d5    mgr-1  01-25 00:00       NEW 10m, PROC 1h, back to NEW 2h, PROC again        (in PROCESSING)
d6    mgr-1  01-31 23:59:59    (in NEW_LEAD)                                       amount 100 RUB
d7    mgr-1  02-01 00:00       outside the period (to is exclusive)                WON 999 RUB
d8    mgr-2  2025-12-31 23:00  outside (created before), moves in January          WON 777 RUB
d9    mgr-2  01-12 00:00       NEW 12h                                             WON 2500.25 RUB
d10   mgr-1  01-03 00:00       NEW 30m                                             LOST_OTHER (c)
d11   mgr-1  2025-10-20 10:00  NEW 10d, PROC 5d (won 2025-11-04 10:00)             WON 4000 RUB
(c): with a failure comment. Lead sources: d1 d2 d3 d11 "site", d4 d8 d9 "phone", the rest none.

Tasks (task-service), deadline → closed:
t1 mgr-1 01-05 11:00 → 01-05 12:00 (late: overdue)     t2 mgr-1 01-06 12:00 → 01-06 11:00 (on time)
t3 mgr-2 01-20 01:00 → open (overdue, still open)      t4 mgr-2 01-21 05:00 → 01-22 00:00 (late)
t5 mgr-1 02-05 00:00 → 02-06 (late, outside)           t6 mgr-1 2099-01-01 → open (not yet due)
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import asyncpg

FROM, TO = "2026-01-01", "2026-02-01T00:00:00Z"
H = timedelta(hours=1)
D = timedelta(days=1)
M = timedelta(minutes=1)


def t(text: str) -> datetime:
    """A UTC time from "MM-DD HH:MM" in January 2026, or a full ISO text."""
    if len(text) == 11:
        return datetime.fromisoformat(f"2026-{text}:00").replace(tzinfo=UTC)
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# (id, responsible, created, final stage, amount, currency, failure comment, walk)
# walk: the stages after NEW_LEAD, each with the time spent in the stage before it.
DEALS: list[tuple[str, str, datetime, str, str | None, str, str | None, list[Any]]] = [
    ("d1", "mgr-1", t("01-05 10:00"), "WON", "15000.00", "RUB", None,
     [("PROCESSING", 2 * H), ("OFFER_MADE", D), ("ANSWER_RECEIVED", D),
      ("INVOICE_SENT", 6 * H), ("PAYMENT_RECEIVED", D), ("WON", D)]),
    ("d2", "mgr-2", t("01-10 09:00"), "WON", "5000.50", "USD", None,
     [("PROCESSING", 30 * M), ("WON", 2 * D)]),
    ("d3", "mgr-1", t("01-15 00:00"), "LOST_SPAM", None, "RUB", None, [("LOST_SPAM", H)]),
    ("d4", "mgr-2", t("01-20 00:00"), "LOST_EXPENSIVE", None, "RUB", "Дорого для клиента",
     [("PROCESSING", 4 * H), ("LOST_EXPENSIVE", D)]),
    ("d5", "mgr-1", t("01-25 00:00"), "PROCESSING", None, "RUB", None,
     [("PROCESSING", 10 * M), ("NEW_LEAD", H), ("PROCESSING", 2 * H)]),
    ("d6", "mgr-1", t("2026-01-31T23:59:59"), "NEW_LEAD", "100.00", "RUB", None, []),
    ("d7", "mgr-1", t("2026-02-01T00:00:00"), "WON", "999.00", "RUB", None, [("WON", H)]),
    ("d8", "mgr-2", t("2025-12-31T23:00:00"), "WON", "777.00", "RUB", None,
     [("PROCESSING", 26 * H), ("WON", D)]),
    ("d9", "mgr-2", t("01-12 00:00"), "WON", "2500.25", "RUB", None, [("WON", 12 * H)]),
    ("d10", "mgr-1", t("01-03 00:00"), "LOST_OTHER", None, "RUB", "Купили у конкурента",
     [("LOST_OTHER", 30 * M)]),
    ("d11", "mgr-1", t("2025-10-20T10:00:00"), "WON", "4000.00", "RUB", None,
     [("PROCESSING", 10 * D), ("WON", 5 * D)]),
]  # fmt: skip
SOURCES = {"d1": "site", "d2": "site", "d3": "site", "d11": "site",
           "d4": "phone", "d8": "phone", "d9": "phone"}  # fmt: skip

TASKS: list[tuple[str, str, datetime, datetime | None]] = [
    ("t1", "mgr-1", t("01-05 11:00"), t("01-05 12:00")),
    ("t2", "mgr-1", t("01-06 12:00"), t("01-06 11:00")),
    ("t3", "mgr-2", t("01-20 01:00"), None),
    ("t4", "mgr-2", t("01-21 05:00"), t("01-22 00:00")),
    ("t5", "mgr-1", t("2026-02-05T00:00:00"), t("2026-02-06T00:00:00")),
    ("t6", "mgr-1", t("2099-01-01T00:00:00"), None),
]


async def insert_fixture(conn: asyncpg.Connection) -> None:
    """Write the deals with their stage history, and the tasks."""
    await insert_deals(conn)
    await insert_tasks(conn)


async def insert_deals(conn: asyncpg.Connection) -> None:
    """Write the deals and each deal's stage history in order."""
    for deal_id, resp, created, stage, amount, currency, comment, walk in DEALS:
        end = created + sum((spent for _, spent in walk), timedelta())
        await conn.execute(
            """INSERT INTO deal.deals (id, version, stage, amount, currency, responsible_id,
                 rop_id, failure_comment, created_at, updated_at, source)
               VALUES ($1, $2, $3, $4, $5, $6, 'rop-1', $7, $8, $9, $10)""",
            deal_id, len(walk) + 1, stage, Decimal(amount) if amount else None, currency,
            resp, comment, created, end, SOURCES.get(deal_id),
        )  # fmt: skip
        rows: list[tuple[str | None, str, datetime]] = [(None, "NEW_LEAD", created)]
        at, previous = created, "NEW_LEAD"
        for to_stage, spent in walk:
            at += spent
            rows.append((previous, to_stage, at))
            previous = to_stage
        for version, (from_stage, to_stage, when) in enumerate(rows, start=1):
            await conn.execute(
                """INSERT INTO deal.stage_history
                     (deal_id, from_stage, to_stage, version, actor_id, at)
                   VALUES ($1, $2, $3, $4, $5, $6)""",
                deal_id, from_stage, to_stage, version, resp, when,
            )  # fmt: skip


async def insert_tasks(conn: asyncpg.Connection) -> None:
    """Write the tasks, each on a deal id of its own (one open stage task per deal is a
    database rule; which deal a task is on does not matter to overdue counts)."""
    for task_id, resp, deadline, closed in TASKS:
        await conn.execute(
            """INSERT INTO task.tasks (id, deal_id, stage, title, creator_id, responsible_id,
                 deadline, opened_at, deal_version, status, close_reason, closed_at)
               VALUES ($1, $1, 'NEW_LEAD', 'задача', 'rop-1', $2, $3, $4, 1, $5, $6, $7)""",
            task_id, resp, deadline, deadline - D, "closed" if closed else "open",
            "completed" if closed else None, closed,
        )  # fmt: skip
