"""The РОП's page opens on the last 30 days from the Monday they fall in, so the weekly chart's
first week is a whole one (it began on whatever day 30 days ago was). A period the РОП types
is kept as typed; its weeks are calendar weeks all the same (test_week_starts)."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pytest

from crm_shared import locale
from gateway.entrypoints.web.rop import _period
from gateway.handlers.errors import Refusal

MOSCOW = ZoneInfo("Europe/Moscow")


def test_the_default_period_starts_on_a_monday_and_holds_the_last_30_days() -> None:
    first, last = _period(None, None, MOSCOW)
    today = locale.today(MOSCOW)
    assert last == today
    assert first.weekday() == 0  # Monday
    assert 29 <= (today - first).days <= 35


def test_a_typed_period_is_kept() -> None:
    assert _period("08.11.2026", "07.12.2026", MOSCOW) == (date(2026, 11, 8), date(2026, 12, 7))


def test_one_day_is_a_period_and_a_reversed_one_says_not_before() -> None:
    """07.12–07.12 is one day and is taken; 07.12–01.12 is refused saying «не раньше» (it
    said «позже», which one day is not)."""
    assert _period("07.12.2026", "07.12.2026", MOSCOW) == (date(2026, 12, 7), date(2026, 12, 7))
    with pytest.raises(Refusal) as refused:
        _period("07.12.2026", "01.12.2026", MOSCOW)
    said = locale.say(refused.value.body()["error"])
    assert said == "Период задан неверно: «по» должно быть не раньше «с».", said
