"""The analytics queries over a million deals: the funnel (cohort view,
`FunnelQuery`) and the period view (`PeriodQuery`).

The deals and their stage history are generated in SQL (generate_series) straight into
deal-service's tables: going through leads would take the whole benchmark budget, and the
query reads only those two tables.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg
import nats

from bench.procs import ROOT
from crm_shared.contracts.analytics import FunnelQuery, PeriodQuery
from crm_shared.machinery.db import asyncpg_dsn

SUBJECT = FunnelQuery.SUBJECT
PERIOD_SUBJECT = PeriodQuery.SUBJECT


def funnel_built() -> bool:
    """Whether deal-service answers the funnel query yet (its handler names FunnelQuery)."""
    package = ROOT / "services" / "deal-service" / "deal_service"
    return any("FunnelQuery" in p.read_text(encoding="utf-8") for p in package.rglob("*.py"))


@dataclass
class FunnelTiming:
    """How long the query took, on how many deals."""

    deals: int
    seconds: float
    ok: bool
    generate_seconds: float


# Deal g walks 1–4 active stages of the funnel (NEW_LEAD first), and every fifth deal then
# ends in LOST_SPAM; one hour in each stage. Creation times are spread over the last 90
# days, so a 91-day window sees every deal. History rows go in per deal, in order, as the
# service writes them (the analytics trigger of deal-service reads the deal's previous row).
_GENERATE = """
INSERT INTO deal.deals (id, version, stage, title, currency, responsible_id, rop_id, source,
                        external_id, created_at, updated_at)
SELECT 'fd-' || g, 1 + g % 4 + (g % 5 = 0)::int,
       CASE WHEN g % 5 = 0 THEN 'LOST_SPAM'
            ELSE (ARRAY['NEW_LEAD', 'PROCESSING', 'OFFER_MADE', 'ANSWER_RECEIVED'])[1 + g % 4]
       END,
       'Сделка ' || g, 'RUB', 'mgr-' || (1 + g % 2), 'rop-1', 'funnel-bench', 'fd-' || g,
       now() - make_interval(secs => g % 7776000), now()
FROM generate_series(1, $1::int) AS g;
INSERT INTO deal.stage_history (deal_id, from_stage, to_stage, version, actor_id, at)
SELECT 'fd-' || g, CASE WHEN s = 1 THEN NULL ELSE walk[s - 1] END, walk[s], s, 'mgr-1',
       now() - make_interval(secs => g % 7776000) + make_interval(hours => s - 1)
FROM generate_series(1, $1::int) AS g,
     LATERAL (SELECT (ARRAY['NEW_LEAD', 'PROCESSING', 'OFFER_MADE', 'ANSWER_RECEIVED'])
                       [1:1 + g % 4] || CASE WHEN g % 5 = 0 THEN ARRAY['LOST_SPAM']
                                             ELSE ARRAY[]::text[] END AS walk) AS w,
     LATERAL generate_series(1, cardinality(walk)) AS s
ORDER BY g, s;
VACUUM (ANALYZE) deal.deals;
VACUUM (ANALYZE) deal.stage_history;
VACUUM (ANALYZE) deal.open_stays;
"""
# VACUUM, not only ANALYZE: a table that grew to a million rows over months has been
# vacuumed by autovacuum many times, and without the visibility map that VACUUM sets the
# report's index-only scans would read the heap as on no real installation.


async def generate(database_url: str, deals: int) -> float:
    """Insert `deals` deals with their history; returns seconds taken."""
    start = time.perf_counter()
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        for statement in filter(str.strip, _GENERATE.split(";")):
            if "$1" in statement:
                await conn.execute(statement, deals)
            else:
                await conn.execute(statement)
    finally:
        await conn.close()
    return time.perf_counter() - start


async def time_query(
    nats_url: str, deals: int, generate_seconds: float, subject: str = SUBJECT
) -> FunnelTiming:
    """One warm-up request on `subject`, then the median of three timed ones."""
    nc = await nats.connect(nats_url)
    now = datetime.now(UTC)
    body = json.dumps(
        # As the РОП: the whole team's report (a manager's would be narrowed to their deals).
        {"actor_id": "rop-1", "from": (now - timedelta(days=91)).isoformat(), "to": now.isoformat()}
    ).encode()
    try:
        await nc.request(subject, body, timeout=60)
        timings = []
        ok = True
        for _ in range(3):
            start = time.perf_counter()
            reply = await nc.request(subject, body, timeout=60)
            timings.append(time.perf_counter() - start)
            ok = ok and bool(json.loads(reply.data).get("ok"))
    finally:
        await nc.close()
    return FunnelTiming(deals, sorted(timings)[1], ok, generate_seconds)
