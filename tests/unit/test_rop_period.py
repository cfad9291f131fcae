"""The РОП's page opens on the last 30 days from the Monday they fall in, so the weekly chart's
first week is a whole one (it began on whatever day 30 days ago was). A period the РОП types
is kept as typed; its weeks are calendar weeks all the same (test_week_starts)."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from crm_shared import locale
from gateway.entrypoints.web.rop import _period

MOSCOW = ZoneInfo("Europe/Moscow")


def test_the_default_period_starts_on_a_monday_and_holds_the_last_30_days() -> None:
    first, last = _period(None, None, MOSCOW)
    today = locale.today(MOSCOW)
    assert last == today
    assert first.weekday() == 0  # Monday
    assert 29 <= (today - first).days <= 35


def test_a_typed_period_is_kept() -> None:
    assert _period("08.11.2026", "07.12.2026", MOSCOW) == (date(2026, 11, 8), date(2026, 12, 7))
