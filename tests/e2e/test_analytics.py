"""The funnel report (SPEC §3 rule 9) against a history whose numbers were worked out by hand.

See tests/analytics_fixture.py for the deals, their walks through the funnel and the tasks;
every number below is derived there in a comment or here next to the assertion.
"""

from __future__ import annotations

import time
from typing import Any

import asyncpg
import pytest

from crm_shared.contracts.task import OverdueTasksQuery
from crm_shared.machinery.db import asyncpg_dsn
from tests.analytics_fixture import FROM, TO, insert_fixture
from tests.services import running
from tests.support import Client, eventually

SUBJECT = "crm.query.analytics.funnel"
ACTIVE = ["NEW_LEAD", "PROCESSING", "OFFER_MADE", "ANSWER_RECEIVED", "INVOICE_SENT"]
LATE = ["PAYMENT_RECEIVED", "ORDER_SHIPPED"]
FAILURES = ["LOST_SPAM", "LOST_NOT_FIT", "LOST_NO_CONTACT", "LOST_EXPENSIVE", "LOST_OTHER"]


@pytest.fixture
async def history(clean: Any) -> Any:
    conn = await asyncpg.connect(asyncpg_dsn(clean.database_url))
    try:
        await insert_fixture(conn)
    finally:
        await conn.close()
    return clean


async def funnel(client: Client, **body: Any) -> dict[str, Any]:
    reply = await client.request(SUBJECT, {"actor_id": "rop-1", "from": FROM, "to": TO, **body})
    assert reply["ok"], reply
    report: dict[str, Any] = reply["report"]
    return report


def by(rows: list[dict[str, Any]], key: str) -> dict[str, dict[str, Any]]:
    return {r[key]: r for r in rows}


def counts(overdue: dict[str, Any]) -> dict[str, Any]:
    """The overdue block without the listed tasks (tests/e2e/test_tasks_comments.py reads those)."""
    rows = [{k: v for k, v in r.items() if k != "tasks"} for r in overdue["by_responsible"]]
    return {**overdue, "by_responsible": rows}


async def test_report_of_the_whole_team(history: Any, client: Client) -> None:
    async with running(history, "deal-service", "task-service"):
        r = await funnel(client)
    assert (r["from"], r["to"]) == ("2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z")
    # d1..d6, d9, d10: d7 is created at `to` (exclusive), d8 before `from`.
    assert r["created"] == 8
    assert r["won"] == {"count": 3, "sum": {"RUB": "17500.25", "USD": "5000.50"}}  # d1, d2, d9
    assert r["conversion"] == 3 / 8
    stages = by(r["stages"], "code")
    assert [s["code"] for s in r["stages"]] == [*ACTIVE, *LATE, "WON", *FAILURES]
    assert stages["NEW_LEAD"]["name"] == "Новый лид" and stages["WON"]["kind"] == "success"
    reached = {code: s["reached"] for code, s in stages.items()}
    assert reached == {
        "NEW_LEAD": 8,  # d5 entered it twice: once
        "PROCESSING": 4,  # d1, d2, d4, d5 (twice: once)
        "OFFER_MADE": 1,
        "ANSWER_RECEIVED": 1,
        "INVOICE_SENT": 1,
        "PAYMENT_RECEIVED": 1,  # d1 only
        "ORDER_SHIPPED": 0,
        "WON": 3,
        "LOST_SPAM": 1,
        "LOST_NOT_FIT": 0,
        "LOST_NO_CONTACT": 0,
        "LOST_EXPENSIVE": 1,
        "LOST_OTHER": 1,
    }
    assert stages["PROCESSING"]["share"] == 0.5 and stages["OFFER_MADE"]["share"] == 1 / 8
    losses = by(r["losses"], "stage")
    assert [x["stage"] for x in r["losses"]] == FAILURES
    assert losses["LOST_SPAM"] == {"stage": "LOST_SPAM", "name": "Спам", "count": 1, "comments": []}
    assert losses["LOST_EXPENSIVE"]["count"] == 1
    assert losses["LOST_EXPENSIVE"]["comments"] == [
        {"deal_id": "d4", "comment": "Дорого для клиента"}
    ]
    assert losses["LOST_OTHER"]["comments"] == [
        {"deal_id": "d10", "comment": "Купили у конкурента"}
    ]
    assert losses["LOST_NOT_FIT"]["count"] == 0
    times = {
        x["stage"]: (x["count"], x["median_seconds"], x["p90_seconds"]) for x in r["time_in_stage"]
    }
    assert times == {
        # 600, 1800, 1800, 3600, 7200, 7200, 14400, 43200 (d6 is still there: not counted)
        # median: between the 4th and 5th, (3600 + 7200) / 2; p90 at 6.3: 14400 + .3 * 28800
        "NEW_LEAD": (8, 5400.0, 23040.0),
        # 3600 (d5, first stay; its second is not over), 86400, 86400, 172800
        # median at 1.5: 86400; p90 at 2.7: 86400 + .7 * 86400
        "PROCESSING": (4, 86400.0, 146880.0),
        "OFFER_MADE": (1, 86400.0, 86400.0),
        "ANSWER_RECEIVED": (1, 21600.0, 21600.0),
        "INVOICE_SENT": (1, 86400.0, 86400.0),
        "PAYMENT_RECEIVED": (1, 86400.0, 86400.0),
        "ORDER_SHIPPED": (0, None, None),
    }
    # t1 (closed an hour late), t3 (open, long past), t4 (closed late); t2 on time, t5 outside
    # the period, t6 not due yet.
    assert [t["id"] for t in r["overdue"]["by_responsible"][0]["tasks"]] == ["t4", "t3"]
    assert counts(r["overdue"]) == {
        "by_responsible": [
            {"responsible_id": "mgr-2", "name": "Мария Смирнова", "overdue": 2, "open": 1},
            {"responsible_id": "mgr-1", "name": "Иван Иванов", "overdue": 1, "open": 0},
        ],
        "total": 3,
    }
    assert r["notes"] == []


async def test_report_of_one_manager(history: Any, client: Client) -> None:
    async with running(history, "deal-service", "task-service"):
        r = await funnel(client, responsible_id="mgr-1")
    assert r["responsible_id"] == "mgr-1"
    assert r["created"] == 5  # d1, d3, d5, d6, d10
    assert r["won"] == {"count": 1, "sum": {"RUB": "15000.00"}}
    assert r["conversion"] == 1 / 5
    reached = {s["code"]: s["reached"] for s in r["stages"] if s["reached"]}
    assert reached == {
        "NEW_LEAD": 5,
        "PROCESSING": 2,
        "OFFER_MADE": 1,
        "ANSWER_RECEIVED": 1,
        "INVOICE_SENT": 1,
        "PAYMENT_RECEIVED": 1,
        "WON": 1,
        "LOST_SPAM": 1,
        "LOST_OTHER": 1,
    }
    assert {x["stage"]: x["count"] for x in r["losses"] if x["count"]} == {
        "LOST_SPAM": 1,
        "LOST_OTHER": 1,
    }
    times = {
        x["stage"]: (x["count"], x["median_seconds"], x["p90_seconds"]) for x in r["time_in_stage"]
    }
    # NEW_LEAD: 600, 1800, 3600, 7200, 7200 → median 3600; p90 at 3.6: 7200
    assert times["NEW_LEAD"] == (5, 3600.0, 7200.0)
    # PROCESSING: 3600, 86400 → median 45000; p90: 3600 + .9 * 82800
    assert times["PROCESSING"] == (2, 45000.0, 78120.0)
    assert counts(r["overdue"]) == {
        "by_responsible": [
            {"responsible_id": "mgr-1", "name": "Иван Иванов", "overdue": 1, "open": 0}
        ],
        "total": 1,
    }


async def test_an_empty_period_has_no_shares(history: Any, client: Client) -> None:
    async with running(history, "deal-service", "task-service"):
        reply = await client.request(
            SUBJECT, {"actor_id": "rop-1", "from": "2030-01-01", "to": "2030-02-01"}
        )
    r = reply["report"]
    assert r["created"] == 0 and r["conversion"] is None and r["won"]["sum"] == {}
    assert all(s["reached"] == 0 and s["share"] is None for s in r["stages"])
    assert r["overdue"] == {"by_responsible": [], "total": 0}


async def test_overdue_query_of_task_service(history: Any, client: Client) -> None:
    async with running(history, "task-service"):
        everything = await client.request(
            "crm.query.task.overdue_by_responsible", {"actor_id": "rop-1"}
        )
        january = await client.request(
            "crm.query.task.overdue_by_responsible", {"actor_id": "rop-1", "from": FROM, "to": TO}
        )
        bad = await client.request(
            "crm.query.task.overdue_by_responsible", {"actor_id": "rop-1", "to": "soon"}
        )
    assert bad["ok"] is False and bad["error"]["code"] == "invalid"
    assert "to: Value error, 'soon' is not" in bad["error"]["message"]
    # Without a period t5 (closed a day late, in February) counts too.
    assert [{k: v for k, v in i.items() if k != "tasks"} for i in everything["items"]] == [
        {"responsible_id": "mgr-1", "overdue": 2, "open": 0},
        {"responsible_id": "mgr-2", "overdue": 2, "open": 1},
    ]
    assert everything["total"] == 4
    assert january["total"] == 3


async def test_without_task_service_the_report_says_overdue_is_unknown(
    history: Any, client: Client
) -> None:
    async with running(history, "deal-service"):
        started = time.monotonic()
        r = await funnel(client)
        waited = time.monotonic() - started
    assert r["created"] == 8 and r["overdue"] is None
    (note,) = r["notes"]  # which service and subject did not answer (the typed client's)
    assert note.startswith("overdue tasks unknown: task-service (")
    assert OverdueTasksQuery.SUBJECT in note
    assert waited < 5


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"from": "yesterday", "to": "2026-02-01"}, "from: Value error, 'yesterday' is not"),
        ({"from": "2026-01-01T00:00:00", "to": "2026-02-01"}, "RFC 3339 time with offset"),
        ({"from": "2026-02-30", "to": "2026-03-01"}, "'2026-02-30' is not"),
        ({"from": "2026-02-01", "to": "2026-01-01"}, "must be later than 'from'"),
        ({"to": "2026-01-01"}, "from: Field required"),
        ({"from": "2026-01-01", "to": "2026-02-01", "by": "x"}, "by: Extra inputs"),
    ],
)
async def test_bad_periods_are_refused(clean: Any, client: Client, body: Any, says: str) -> None:
    async with running(clean, "deal-service"):
        reply = await client.request(SUBJECT, {"actor_id": "rop-1", **body})
    assert reply["ok"] is False and reply["error"]["code"] == "invalid"
    assert says in reply["error"]["message"]


async def test_a_real_walk_shows_in_the_report(clean: Any, client: Client) -> None:
    """Leads and moves through the service itself: the trigger sees its own writes."""
    async with running(clean, "deal-service", "task-service"):
        ext = await client.publish_lead(contact={"name": "Пётр"}, requirements="кирпич")
        deal = await eventually(lambda: client.deal_by_external(ext))
        second = await client.cmd("deal.create", actor_id="mgr-1", contact={"name": "Оля"})
        moved = await client.cmd(  # by its manager (round robin picked one)
            "deal.move", actor_id=deal["responsible_id"], deal_id=deal["id"], to_stage="PROCESSING"
        )
        assert moved["ok"], moved
        lost = await client.cmd(
            "deal.move",
            actor_id="mgr-1",
            deal_id=second["deal"]["id"],
            to_stage="LOST_OTHER",
            failure_comment="Передумал",
        )
        assert lost["ok"], lost
        r = await funnel(client, **{"from": "2020-01-01", "to": "2100-01-01"})
    assert r["created"] == 2
    reached = {s["code"]: s["reached"] for s in r["stages"] if s["reached"]}
    assert reached == {"NEW_LEAD": 2, "PROCESSING": 1, "LOST_OTHER": 1}
    new_lead = next(x for x in r["time_in_stage"] if x["stage"] == "NEW_LEAD")
    assert new_lead["count"] == 2 and new_lead["median_seconds"] >= 0
    other = next(x for x in r["losses"] if x["stage"] == "LOST_OTHER")
    assert other["comments"] == [{"deal_id": second["deal"]["id"], "comment": "Передумал"}]
