"""Analytics v2: the period view against the hand-worked history of tests/analytics_fixture.py,
and open stays in both views.

January 2026, by the time things happened (see the fixture's table):
- created: d1 d2 d3 d4 d5 d6 d9 d10 (8), as in the cohort view;
- won: d1 (01-09, 15000 RUB), d2 (01-12, 5000.50 USD), d8 (created in December, won 01-03,
  777 RUB), d9 (01-12, 2500.25 RUB): 4, RUB 18277.25, USD 5000.50; d7 is won in February;
- lost: d3 LOST_SPAM, d4 LOST_EXPENSIVE (comment), d10 LOST_OTHER (comment);
- NEW_LEAD stays that ended in January (hours): d5 1/6, d2 .5, d10 .5, d3 1, d1 2, d5 2, d4 4,
  d9 12, d8 26 → median the 5th, 2 h; p90 at 7.2: 12 + .2 * 14 = 14.8 h;
- PROCESSING: d5 1, d1 24, d4 24, d8 24, d2 48 → median 24 h; p90 at 3.6: 24 + .6 * 24 = 38.4 h;
- still open: d5 in PROCESSING since 01-25 03:10, d6 in NEW_LEAD since 01-31 23:59:59.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest

from crm_shared.machinery.db import asyncpg_dsn
from tests.analytics_fixture import FROM, TO, insert_fixture
from tests.services import running
from tests.support import Client

PERIOD = "crm.query.analytics.period"
FUNNEL = "crm.query.analytics.funnel"
H = 3600.0


@pytest.fixture
async def history(clean: Any) -> Any:
    conn = await asyncpg.connect(asyncpg_dsn(clean.database_url))
    try:
        await insert_fixture(conn)
    finally:
        await conn.close()
    return clean


async def report(client: Client, subject: str, **body: Any) -> dict[str, Any]:
    reply = await client.request(subject, {"actor_id": "rop-1", "from": FROM, "to": TO, **body})
    assert reply["ok"], reply
    found: dict[str, Any] = reply["report"]
    return found


def line(created: int, won: int, sums: dict[str, str], lost: int) -> dict[str, Any]:
    return {
        "created": created,
        "won": {"count": won, "sum": sums},
        "lost": lost,
        "conversion": won / created if created else None,
    }


def since(at: str, as_of: str) -> float:
    return (datetime.fromisoformat(as_of) - datetime.fromisoformat(at)).total_seconds()


async def test_period_view_of_january(history: Any, client: Client) -> None:
    async with running(history, "deal-service", "task-service"):
        r = await report(client, PERIOD)
    assert r["view"] == "period" and r["from"] == "2026-01-01T00:00:00Z"
    assert {k: r[k] for k in ("created", "won", "lost", "conversion")} == line(
        8, 4, {"RUB": "18277.25", "USD": "5000.50"}, 3
    )
    losses = {x["stage"]: x for x in r["losses"]}
    assert {s: x["count"] for s, x in losses.items() if x["count"]} == {
        "LOST_SPAM": 1,
        "LOST_EXPENSIVE": 1,
        "LOST_OTHER": 1,
    }
    assert losses["LOST_EXPENSIVE"]["name"] == "Дорого (с комментарием)"
    # each with the deal's title, responsible and when it was lost (the РОП page lists them)
    assert losses["LOST_EXPENSIVE"]["comments"] == [
        {
            "deal_id": "d4",
            "comment": "Дорого для клиента",
            "title": None,
            "responsible_id": "mgr-2",
            "at": "2026-01-21T04:00:00Z",
        }
    ]
    # Managers side by side: mgr-1 d1 d3 d5 d6 d10 created, d1 won, d3 d10 lost; mgr-2 d2 d4
    # d9 created, d2 d8 d9 won, d4 lost.
    assert [
        {k: v for k, v in m.items() if k not in ("responsible_id", "name")}
        for m in r["by_responsible"]
    ] == [
        line(5, 1, {"RUB": "15000.00"}, 2),
        line(3, 3, {"RUB": "3277.25", "USD": "5000.50"}, 1),
    ]
    assert [(m["responsible_id"], m["name"]) for m in r["by_responsible"]] == [
        ("mgr-1", "Иван Иванов"),
        ("mgr-2", "Мария Смирнова"),
    ]
    # Lead sources: site d1 d2 d3 (d11 is from October); phone d4 d9 created, d8 d9 won.
    assert {s["source"]: {k: v for k, v in s.items() if k != "source"} for s in r["by_source"]} == {
        "phone": line(2, 2, {"RUB": "3277.25"}, 1),
        "site": line(3, 2, {"RUB": "15000.00", "USD": "5000.50"}, 1),
        None: line(3, 0, {}, 1),
    }
    times = {x["stage"]: x for x in r["time_in_stage"]}
    assert (times["NEW_LEAD"]["count"], times["NEW_LEAD"]["median_seconds"]) == (9, 2 * H)
    assert times["NEW_LEAD"]["p90_seconds"] == 14.8 * H
    assert times["PROCESSING"]["count"] == 5
    assert times["PROCESSING"]["median_seconds"] == 24 * H
    assert times["PROCESSING"]["p90_seconds"] == pytest.approx(38.4 * H)
    assert times["PAYMENT_RECEIVED"]["count"] == 1  # d1 left it 01-09
    # Open stays, measured up to `as_of`, marked apart.
    assert times["PROCESSING"]["open"]["count"] == 1
    assert times["PROCESSING"]["open"]["median_seconds"] == pytest.approx(
        since("2026-01-25T03:10:00+00:00", r["as_of"]), abs=1
    )
    assert times["NEW_LEAD"]["open"]["count"] == 1 and times["OFFER_MADE"]["open"]["count"] == 0
    assert r["overdue"]["total"] == 3 and r["notes"] == []


async def test_won_in_one_month_created_in_another(history: Any, client: Client) -> None:
    """d11: created in October 2025, won in November: in November's period view and in
    October's cohort view, and in neither of the others."""
    october = {"from": "2025-10-01", "to": "2025-11-01"}
    november = {"from": "2025-11-01", "to": "2025-12-01"}
    async with running(history, "deal-service", "task-service"):
        period_nov = await report(client, PERIOD, **november)
        period_oct = await report(client, PERIOD, **october)
        cohort_oct = await report(client, FUNNEL, **october)
        cohort_nov = await report(client, FUNNEL, **november)
    assert period_nov["won"] == {"count": 1, "sum": {"RUB": "4000.00"}}
    assert period_nov["created"] == 0 and period_nov["conversion"] is None
    assert period_nov["by_source"] == [{"source": "site", **line(0, 1, {"RUB": "4000.00"}, 0)}]
    assert period_oct["won"]["count"] == 0 and period_oct["created"] == 1
    assert cohort_oct["view"] == "cohort"
    assert cohort_oct["won"] == {"count": 1, "sum": {"RUB": "4000.00"}}
    assert cohort_nov["created"] == 0 and cohort_nov["won"]["count"] == 0


async def test_period_view_of_one_manager_and_open_stays_of_the_cohort(
    history: Any, client: Client
) -> None:
    async with running(history, "deal-service", "task-service"):
        mine = await report(client, PERIOD, responsible_id="mgr-2")
        cohort = await report(client, FUNNEL)
    assert mine["responsible_id"] == "mgr-2"
    assert {k: mine[k] for k in ("created", "won", "lost", "conversion")} == line(
        3, 3, {"RUB": "3277.25", "USD": "5000.50"}, 1
    )
    assert [m["responsible_id"] for m in mine["by_responsible"]] == ["mgr-2"]
    times = {x["stage"]: x for x in mine["time_in_stage"]}
    # mgr-2's NEW_LEAD stays ending in January: d2 .5 h, d4 4 h, d9 12 h, d8 26 h.
    assert times["NEW_LEAD"]["count"] == 4 and times["NEW_LEAD"]["open"]["count"] == 0
    # The cohort view keeps its finished stays and shows the open ones apart (d5, d6).
    stays = {x["stage"]: x for x in cohort["time_in_stage"]}
    assert stays["NEW_LEAD"]["count"] == 8 and stays["NEW_LEAD"]["open"]["count"] == 1
    assert stays["NEW_LEAD"]["open"]["median_seconds"] == pytest.approx(
        since("2026-01-31T23:59:59+00:00", cohort["as_of"]), abs=1
    )
    assert stays["PROCESSING"]["open"]["count"] == 1
    assert datetime.fromisoformat(cohort["as_of"]) <= datetime.now(UTC)


async def test_bad_period_is_refused(clean: Any, client: Client) -> None:
    async with running(clean, "deal-service"):
        reply = await client.request(
            PERIOD, {"actor_id": "rop-1", "from": "2026-02-01", "to": "2026-01-01"}
        )
    assert reply["ok"] is False and "must be later than 'from'" in reply["error"]["message"]


async def test_open_stays_of_a_cohort(clean: Any) -> None:
    """open_stays of the cohort: the stays of the deals created in the period, their count and
    percentiles as percentile_cont over them, for odd and even counts."""
    from deal_service.adapters.analytics_period import open_stays

    conn = await asyncpg.connect(asyncpg_dsn(clean.database_url))
    try:
        for n, hours in enumerate([1, 3, 4, 10, 11, 30, 31, 95, 200]):
            created = datetime(2026, 3, 1, tzinfo=UTC) - timedelta(hours=hours)
            deal_id = f"o{n}"
            await conn.execute(
                """INSERT INTO deal.deals (id, version, stage, currency, created_at, updated_at)
                   VALUES ($1, 1, 'NEW_LEAD', 'RUB', $2, $2)""",
                deal_id,
                created,
            )
            await conn.execute(
                """INSERT INTO deal.stage_history (deal_id, from_stage, to_stage, version, at)
                   VALUES ($1, NULL, 'NEW_LEAD', 1, $2)""",
                deal_id,
                created,
            )
        now = datetime(2026, 3, 1, tzinfo=UTC)
        for cut in (9, 8, 2, 1):  # deals o0..o{cut-1}: created after 2026-03-01 - hours
            start = now - timedelta(hours=[1, 3, 4, 10, 11, 30, 31, 95, 200][cut - 1])
            [got] = await open_stays(
                conn, ["NEW_LEAD"], start, now + timedelta(1), None, now, cohort=True
            )
            expected = await conn.fetchrow(
                """SELECT count(*) AS n, percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP
                          (ORDER BY date_part('epoch', $2 - entered_at)) AS p
                   FROM deal.open_stays WHERE deal_created_at >= $1""",
                start,
                now,
            )
            assert got.count == expected["n"] == cut
            assert (got.median, got.p90) == pytest.approx(tuple(expected["p"]))
    finally:
        await conn.close()


async def test_a_real_walk_shows_in_the_period_view(clean: Any, client: Client) -> None:
    """Leads and moves through the service itself: the won deal counts with its amount and
    manager as they were when it was won (kept on the move by the trigger)."""
    async with running(clean, "deal-service", "task-service"):
        made = await client.cmd(
            "deal.create",
            actor_id="mgr-1",
            contact={"name": "Пётр"},
            requirements="кирпич",
            amount="1500.50",
            subject="Кирпич",
            delivery_method="pickup",
            source="site",
        )
        assert made["ok"], made
        deal = made["deal"]
        for stage in ("PROCESSING", "PAYMENT_RECEIVED", "WON"):
            moved = await client.cmd(
                "deal.move", actor_id="mgr-1", deal_id=deal["id"], to_stage=stage
            )
            assert moved["ok"], moved
        lost = await client.cmd("deal.create", actor_id="mgr-2", contact={"name": "Оля"})
        gone = await client.cmd(
            "deal.move",
            actor_id="mgr-2",
            deal_id=lost["deal"]["id"],
            to_stage="LOST_OTHER",
            failure_comment="Передумал",
        )
        assert gone["ok"], gone
        r = await report(client, PERIOD, **{"from": "2020-01-01", "to": "2100-01-01"})
    assert {k: r[k] for k in ("created", "won", "lost")} == {
        "created": 2,
        "won": {"count": 1, "sum": {"RUB": "1500.50"}},
        "lost": 1,
    }
    managers = {m["responsible_id"]: m for m in r["by_responsible"]}
    assert managers["mgr-1"]["won"] == {"count": 1, "sum": {"RUB": "1500.50"}}
    assert managers["mgr-2"]["lost"] == 1
    assert {s["source"] for s in r["by_source"]} == {"site", "manual"}  # by hand: "manual"
    other = next(x for x in r["losses"] if x["stage"] == "LOST_OTHER")
    (said,) = other["comments"]
    assert {k: said[k] for k in ("deal_id", "comment", "responsible_id", "title")} == {
        "deal_id": lost["deal"]["id"],
        "comment": "Передумал",
        "responsible_id": "mgr-2",
        "title": lost["deal"]["title"],
    }
    times = {x["stage"]: x for x in r["time_in_stage"]}
    assert times["NEW_LEAD"]["count"] == 2 and times["PAYMENT_RECEIVED"]["count"] == 1
    assert all(x["open"]["count"] == 0 for x in r["time_in_stage"])
