"""The РОП's page and reports are the РОП's, over at most two years, and the page's weekly
chart is one period query with `weeks` (calendar weeks on the РОП's clock), whose weeks add
up to what a query per week says."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

from crm_shared.contracts.text import utc_text
from crm_shared.machinery.db import asyncpg_dsn
from tests.analytics_fixture import insert_fixture
from tests.gateway_support import door
from tests.services import running
from tests.support import Client


async def test_the_rop_page_is_the_rops_capped_and_one_period_query(
    clean: Any, client: Client
) -> None:
    async with door(clean) as d, d.as_user("mgr-1") as ivan, d.as_user("rop-1") as anna:
        made = await d.token("mgr-reports", ["reports:read"], owner="mgr-1")
        bearer = {"Authorization": f"Bearer {made.token}"}
        span = {"from": "2026-01-01", "to": "2026-02-01"}
        for refused in (
            await ivan.get("/rop"),
            await ivan.post("/rop/approvals/x", data={"to_stage": "LOST_NO_CONTACT"}),
            await ivan.get("/api/reports/period", params=span),
            await ivan.get("/api/reports/funnel", params=span, headers=bearer),
        ):
            assert refused.status_code == 403, refused.text
        for wrong in ({"start": "2020-01-01", "end": "2023-01-02"}, {"start": "вчера"}):
            assert (await anna.get("/rop", params=wrong)).status_code == 400

        periods = await client.record("crm.query.analytics.period")
        year = {"start": (date.today() - timedelta(days=364)).isoformat()}
        page = await anna.get("/rop", params=year)
        assert page.status_code == 200, page.text
        await client.nc.flush()
        assert len(periods.messages) == 1  # not one a week
        assert page.text.count("<tr><td>") >= 52  # the weekly table has every week


async def test_weeks_add_up_to_a_query_per_week(clean: Any, client: Client) -> None:
    conn = await asyncpg.connect(asyncpg_dsn(clean.database_url))
    try:
        await insert_fixture(conn)
    finally:
        await conn.close()
    start = datetime(2025, 12, 18, tzinfo=UTC)
    end = datetime(2026, 2, 10, tzinfo=UTC)
    async with running(clean, "deal-service", "task-service"):
        body = {"actor_id": "rop-1", "from": start.isoformat(), "to": end.isoformat()}
        whole = (await client.request("crm.query.analytics.period", {**body, "weeks": True}))[
            "report"
        ]
        weeks = whole["weeks"]
        assert len(weeks) == 8
        assert sum(w["won"]["count"] for w in weeks) == whole["won"]["count"] > 0
        for n, week in enumerate(weeks):
            a = start + timedelta(days=7 * n)
            b = min(a + timedelta(days=7), end)
            assert week["from"] == utc_text(a)  # UTC ISO 8601 ending in Z, as every time
            alone = await client.request(
                "crm.query.analytics.period",
                {"actor_id": "rop-1", "from": a.isoformat(), "to": b.isoformat()},
            )
            assert week["won"] == alone["report"]["won"], n
        plain = await client.request("crm.query.analytics.period", body)
        assert "weeks" not in plain["report"]

        # Calendar weeks on the РОП's clock: the first from the period's first moment (a
        # Thursday), then every Monday 00:00 in Moscow; they add up the same way.
        zoned = {**body, "weeks": True, "week_zone": "Europe/Moscow"}
        calendar = (await client.request("crm.query.analytics.period", zoned))["report"]["weeks"]
        starts = [datetime.fromisoformat(w["from"]) for w in calendar]
        assert starts[0] == start and len(calendar) == 9  # a part, 7 weeks, a part
        for at in starts[1:]:
            local = at.astimezone(ZoneInfo("Europe/Moscow"))
            assert (local.weekday(), local.hour, local.minute) == (0, 0, 0)
        assert sum(w["won"]["count"] for w in calendar) == whole["won"]["count"]
        for n, (a, b) in enumerate(zip(starts, [*starts[1:], end], strict=True)):
            alone = await client.request(
                "crm.query.analytics.period",
                {"actor_id": "rop-1", "from": a.isoformat(), "to": b.isoformat()},
            )
            assert calendar[n]["won"] == alone["report"]["won"], n
