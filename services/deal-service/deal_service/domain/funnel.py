"""The funnel report (SPEC §3 rule 9), assembled from what the database counted.

Pure: the adapters count deals, stage entries and times in SQL; this module lays those
numbers out in pipeline order, with Russian display names, shares and sums, so that what a
sales head reads is decided in one place and tested without a database.

Definitions (docs/cli.md, "Analytics", says the same to its readers):
- the period's deals: created in [from, to) (and, when asked, now with that responsible);
- a deal reached a stage when its stage history shows it entering the stage;
- won: the period's deals that reached the success stage; their sum per currency;
- conversion: won / created; a stage's share: deals that reached it / created;
- time in a stage: between a deal entering it and its next stage entry; median and 90th
  percentile, interpolated (percentile_cont). Stays still open are apart, in `open`,
  measured up to the report's `as_of` (now), so an unfinished stay never passes for a
  finished one.

The period view (`domain.period`) shares the stage-time layout (`stage_times`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from crm_shared.config import CrmConfig
from crm_shared.contracts.text import utc_text

MAX_COMMENTS_PER_STAGE = 50
"""Failure comments listed per failure stage (newest deals first); the count has them all."""


@dataclass(frozen=True)
class DealTotal:
    """Deals of the period now in one stage with one currency."""

    stage: str
    currency: str
    count: int
    amount: Decimal | None


@dataclass(frozen=True)
class StageTime:
    """Completed stays in one stage: how many, and their median and p90 in seconds."""

    stage: str
    count: int
    median: float | None
    p90: float | None


@dataclass(frozen=True)
class LossComment:
    """The failure comment of one lost deal; the period view also says the deal's title,
    responsible and when it was lost (the РОП's page lists them by those)."""

    stage: str
    deal_id: str
    comment: str
    title: str | None = None
    responsible_id: str | None = None
    at: datetime | None = None


@dataclass
class FunnelFacts:
    """Everything counted for one report."""

    totals: list[DealTotal]
    reached: dict[str, int]
    times: list[StageTime]
    comments: list[LossComment]
    open_times: list[StageTime] = field(default_factory=list)
    as_of: datetime | None = None
    overdue: list[dict[str, Any]] | None = None
    notes: list[str] = field(default_factory=list)


def share(part: int, whole: int) -> float | None:
    """part / whole, or None for an empty whole."""
    return part / whole if whole else None


def _seconds(value: float | None) -> float | None:
    # To the millisecond: the interpolation's float noise (23039.999999999993) is not news.
    return round(value, 3) if value is not None else None


def _stats(time: StageTime | None) -> dict[str, Any]:
    if time is None:
        return {"count": 0, "median_seconds": None, "p90_seconds": None}
    return {
        "count": time.count,
        "median_seconds": _seconds(time.median),
        "p90_seconds": _seconds(time.p90),
    }


def stage_times(
    config: CrmConfig, ended: list[StageTime], still_open: list[StageTime]
) -> list[dict[str, Any]]:
    """Per non-final stage: finished stays, and in `open` the stays not over yet."""
    done = {t.stage: t for t in ended}
    running = {t.stage: t for t in still_open}
    return [
        {
            "stage": s.code,
            "name": s.name,
            **_stats(done.get(s.code)),
            "open": _stats(running.get(s.code)),
        }
        for s in config.stages
        if not s.is_final
    ]


def build_report(
    config: CrmConfig,
    start: datetime,
    end: datetime,
    responsible_id: str | None,
    facts: FunnelFacts,
) -> dict[str, Any]:
    """The report as JSON-ready data: counts, shares, sums, losses, times, overdue."""
    created = sum(t.count for t in facts.totals)
    success = config.success_stage.code
    won = [t for t in facts.totals if t.stage == success]
    won_count = sum(t.count for t in won)
    sums: dict[str, Decimal] = {}
    for t in won:
        sums[t.currency] = sums.get(t.currency, Decimal(0)) + (t.amount or Decimal(0))
    lost = {s.code: 0 for s in config.failure_stages}
    for t in facts.totals:
        if t.stage in lost:
            lost[t.stage] += t.count
    return {
        "view": "cohort",
        "from": utc_text(start),
        "to": utc_text(end),
        "responsible_id": responsible_id,
        "created": created,
        "won": {
            "count": won_count,
            "sum": {currency: f"{amount:.2f}" for currency, amount in sorted(sums.items())},
        },
        "conversion": share(won_count, created),
        "stages": [
            {
                "code": s.code,
                "name": s.name,
                "kind": s.kind,
                "reached": facts.reached.get(s.code, 0),
                "share": share(facts.reached.get(s.code, 0), created),
            }
            for s in config.stages
        ],
        "losses": [
            {
                "stage": s.code,
                "name": s.name,
                "count": lost[s.code],
                "comments": [
                    {"deal_id": c.deal_id, "comment": c.comment}
                    for c in facts.comments
                    if c.stage == s.code
                ][:MAX_COMMENTS_PER_STAGE],
            }
            for s in config.failure_stages
        ],
        "time_in_stage": stage_times(config, facts.times, facts.open_times),
        "as_of": utc_text(facts.as_of) if facts.as_of else None,
        "overdue": overdue_block(config, facts.overdue, responsible_id),
        "notes": facts.notes,
    }


def overdue_block(
    config: CrmConfig, items: list[dict[str, Any]] | None, responsible_id: str | None
) -> dict[str, Any] | None:
    """Overdue tasks per manager, as task-service counted them, with the managers' names."""
    if items is None:
        return None
    rows = [i for i in items if responsible_id is None or i["responsible_id"] == responsible_id]
    named = []
    for row in rows:
        user = config.user_or_none(row["responsible_id"]) if row["responsible_id"] else None
        named.append({**row, "name": user.name if user else None})
    return {"by_responsible": named, "total": sum(int(r["overdue"]) for r in rows)}
