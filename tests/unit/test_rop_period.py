"""The РОП's page opens on the last 30 days from the Monday they fall in, so the weekly chart
(7 days each from the period's first) shows calendar weeks: it showed weeks «с воскресенья»
when the 30 days began on a Sunday. A period the РОП types is kept as typed."""

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
