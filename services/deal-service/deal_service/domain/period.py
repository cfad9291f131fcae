"""The period view of analytics v2: what happened in [from, to), whenever the deals began.

The cohort view (`domain.funnel`) follows the deals *created* in a period to wherever they
went; a sales head asking «сумма продаж за ноябрь» wants the deals *won* in November, created
whenever. Here:
- created: deals created in the period;
- won: deals that entered the success stage in the period (by that time), their sum per
  currency (the amount when won); lost: deals that entered a failure stage in it, by reason
  (the failure stage) with their comments (each with the deal's title, responsible and
  the moment it was lost);
- the same side by side per manager and per lead source (a won or lost deal under the
  manager it had when it moved there, a new deal under its manager now);
- time in a stage: stays that ended in the period; stays begun before its end and still
  open are apart, in `open`, measured up to `as_of` (now).
Pure: the adapters count in SQL, this lays the numbers out.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from crm_shared.config import CrmConfig
from crm_shared.contracts.text import utc_text
from deal_service.domain.funnel import (
    MAX_COMMENTS_PER_STAGE,
    LossComment,
    StageTime,
    overdue_block,
    share,
    stage_times,
)


@dataclass(frozen=True)
class Outcome:
    """Deals that entered one final stage in the period, of one currency, manager, source."""

    stage: str
    currency: str
    responsible_id: str | None
    source: str | None
    count: int
    amount: Decimal | None


@dataclass(frozen=True)
class Created:
    """Deals created in the period by one manager from one source."""

    responsible_id: str | None
    source: str | None
    count: int


@dataclass(frozen=True)
class WeekWon:
    """Deals won in one week of the period (0: its first, from `week_starts`), of one
    currency."""

    week: int
    currency: str
    count: int
    amount: Decimal | None


@dataclass
class PeriodFacts:
    """Everything counted for one period view."""

    created: list[Created]
    outcomes: list[Outcome]
    comments: list[LossComment]
    ended: list[StageTime]
    still_open: list[StageTime]
    as_of: datetime
    overdue: list[dict[str, Any]] | None = None
    notes: list[str] = field(default_factory=list)
    weekly: list[WeekWon] | None = None
    week_starts: list[datetime] = field(default_factory=list)


def week_starts(start: datetime, end: datetime, zone: ZoneInfo | None) -> list[datetime]:
    """Where each week of [start, end) begins: `start`, then every 7 days (the last week
    takes what is left), or with `zone` every Monday 00:00 on its clock (calendar weeks,
    the first and last cut by the period)."""
    if zone is None:
        return [start + timedelta(days=7 * i) for i in range(max(1, -(-(end - start).days // 7)))]
    local = start.astimezone(zone).date()
    monday = local - timedelta(days=local.weekday())
    starts = [start]
    while (at := _midnight(monday := monday + timedelta(days=7), zone)) < end:
        starts.append(at)
    return starts


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), zone).astimezone(UTC)


@dataclass
class _Line:
    created: int = 0
    won: int = 0
    lost: int = 0
    sums: dict[str, Decimal] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "won": {"count": self.won, "sum": _money(self.sums)},
            "lost": self.lost,
            "conversion": share(self.won, self.created),
        }


def _money(sums: dict[str, Decimal]) -> dict[str, str]:
    return {currency: f"{amount:.2f}" for currency, amount in sorted(sums.items())}


def build_period_report(
    config: CrmConfig, start: datetime, end: datetime, responsible_id: str | None, f: PeriodFacts
) -> dict[str, Any]:
    """The period view as JSON-ready data."""
    success = config.success_stage.code
    failures = [s.code for s in config.failure_stages]
    total = _Line()
    managers: dict[str | None, _Line] = defaultdict(_Line)
    sources: dict[str | None, _Line] = defaultdict(_Line)
    lost = dict.fromkeys(failures, 0)
    for c in f.created:
        for line in (total, managers[c.responsible_id], sources[c.source]):
            line.created += c.count
    for o in f.outcomes:
        for line in (total, managers[o.responsible_id], sources[o.source]):
            if o.stage == success:
                line.won += o.count
                line.sums[o.currency] = line.sums.get(o.currency, Decimal(0)) + (
                    o.amount or Decimal(0)
                )
            elif o.stage in lost:
                line.lost += o.count
        if o.stage in lost:
            lost[o.stage] += o.count
    return {
        "view": "period",
        "from": utc_text(start),
        "to": utc_text(end),
        "responsible_id": responsible_id,
        **total.as_dict(),
        "losses": [
            {
                "stage": s.code,
                "name": s.name,
                "count": lost[s.code],
                "comments": [_comment(c) for c in f.comments if c.stage == s.code][
                    :MAX_COMMENTS_PER_STAGE
                ],
            }
            for s in config.failure_stages
        ],
        "by_responsible": [
            {"responsible_id": who, "name": _name(config, who), **line.as_dict()}
            for who, line in sorted(managers.items(), key=_order)
        ],
        "by_source": [
            {"source": source, **line.as_dict()}
            for source, line in sorted(sources.items(), key=_order)
        ],
        "time_in_stage": stage_times(config, f.ended, f.still_open),
        "as_of": utc_text(f.as_of),
        "overdue": overdue_block(config, f.overdue, responsible_id),
        "notes": f.notes,
        **({} if f.weekly is None else {"weeks": _weeks(f.week_starts, f.weekly)}),
    }


def _comment(c: LossComment) -> dict[str, Any]:
    """A lost deal's comment with its title, responsible and when it was lost."""
    return {
        "deal_id": c.deal_id,
        "comment": c.comment,
        "title": c.title,
        "responsible_id": c.responsible_id,
        "at": utc_text(c.at) if c.at else None,
    }


def _weeks(starts: list[datetime], weekly: list[WeekWon]) -> list[dict[str, Any]]:
    """The won deals week by week, each from its start."""
    lines = [_Line() for _ in starts]
    for w in weekly:
        line = lines[min(w.week, len(lines) - 1)]
        line.won += w.count
        line.sums[w.currency] = line.sums.get(w.currency, Decimal(0)) + (w.amount or Decimal(0))
    return [
        {"from": utc_text(at), "won": {"count": line.won, "sum": _money(line.sums)}}
        for at, line in zip(starts, lines, strict=True)
    ]


def _name(config: CrmConfig, user_id: str | None) -> str | None:
    user = config.user_or_none(user_id) if user_id else None
    return user.name if user else None


def _order(item: tuple[str | None, _Line]) -> tuple[bool, str]:
    # Named ones first in name order; the deals without a manager or source last.
    return (item[0] is None, item[0] or "")
