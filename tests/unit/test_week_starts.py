"""Where the weeks of the period view's chart begin: 7 days each from the period's first
moment, or calendar weeks on a zone's clock (the РОП's page asks for those: a period typed
from a Sunday showed weeks «с воскресенья»)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from crm_shared.contracts.analytics import PeriodQuery
from deal_service.domain.period import week_starts

MOSCOW = ZoneInfo("Europe/Moscow")
BERLIN = ZoneInfo("Europe/Berlin")


def test_without_a_zone_each_week_is_seven_days_from_the_first() -> None:
    start = datetime(2025, 12, 18, tzinfo=UTC)
    starts = week_starts(start, datetime(2026, 2, 10, tzinfo=UTC), None)
    assert starts == [start + timedelta(days=7 * i) for i in range(8)]
    assert week_starts(start, start + timedelta(hours=5), None) == [start]


def test_calendar_weeks_begin_on_monday_midnight_on_the_zones_clock() -> None:
    # Sunday 08.11.2026 00:00 in Moscow to Monday 07.12.2026 00:00 there
    start = datetime(2026, 11, 8, tzinfo=MOSCOW).astimezone(UTC)
    end = datetime(2026, 12, 7, tzinfo=MOSCOW).astimezone(UTC)
    starts = week_starts(start, end, MOSCOW)
    local = [at.astimezone(MOSCOW) for at in starts]
    assert local[0] == datetime(2026, 11, 8, tzinfo=MOSCOW)  # the period's first day
    assert [d.strftime("%d.%m") for d in local[1:]] == ["09.11", "16.11", "23.11", "30.11"]
    assert all(d.weekday() == 0 and d.hour == 0 for d in local[1:])
    assert starts[1] - starts[0] == timedelta(days=1)  # the first week is cut by the period


def test_calendar_weeks_follow_daylight_saving() -> None:
    # Berlin moves its clocks on Sunday 29.03.2026: the week after is 167 hours long in UTC
    start = datetime(2026, 3, 16, tzinfo=BERLIN).astimezone(UTC)
    end = datetime(2026, 4, 13, tzinfo=BERLIN).astimezone(UTC)
    starts = week_starts(start, end, BERLIN)
    assert [at.astimezone(BERLIN).hour for at in starts] == [0, 0, 0, 0]
    assert starts[2] - starts[1] == timedelta(hours=167)


def test_a_period_query_takes_only_iana_zones() -> None:
    body = {"actor_id": "rop-1", "from": "2026-11-08", "to": "2026-12-07", "weeks": True}
    assert PeriodQuery.model_validate({**body, "week_zone": "Europe/Moscow"}).week_zone
    for bad in ("MSK", "+03:00", "Europe/Nowhere"):
        with pytest.raises(ValueError, match="IANA"):
            PeriodQuery.model_validate({**body, "week_zone": bad})
