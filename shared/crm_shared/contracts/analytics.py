"""The analytics queries (served by deal-service): the funnel of a cohort of deals and what
happened in a period, over a window [from, to) that `Windowed` checks."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field

from crm_shared.contracts.base import Answer, Asks, Windowed
from crm_shared.contracts.periods import Moment, Zone
from crm_shared.contracts.text import Id


class ReportReply(Answer):
    """An analytics report as the domain lays it out (free-form: see docs/event-api.md)."""

    report: dict[str, Any]


class FunnelQuery(Windowed, Asks[ReportReply]):
    """crm.query.analytics.funnel: the funnel report of the deals created in [from, to).

    `from` and `to` are RFC 3339 times with offset or YYYY-MM-DD dates (midnight UTC);
    `responsible_id` narrows the report to one manager's deals.
    """

    SUBJECT: ClassVar[str] = "crm.query.analytics.funnel"
    from_: Moment = Field(alias="from")
    to: Moment
    responsible_id: Id | None = None


class PeriodQuery(Windowed, Asks[ReportReply]):
    """crm.query.analytics.period: what happened in [from, to) (analytics v2's period view).

    Deals created, won (by the time they were won) and lost (by reason) in the period, per
    manager and per lead source, whenever the deals were created. Same `from`, `to`,
    `responsible_id` as the funnel (cohort) query.
    """

    SUBJECT: ClassVar[str] = "crm.query.analytics.period"
    from_: Moment = Field(alias="from")
    to: Moment
    responsible_id: Id | None = None
    weeks: bool = Field(False, description="also `weeks`: the won deals week by week")
    week_zone: Zone | None = Field(
        None,
        description="with `weeks`: calendar weeks, each from Monday 00:00 on this zone's "
        "clock (the first and the last may be shorter); null: 7 days each from `from`",
    )
