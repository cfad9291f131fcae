"""Days in the people's zone (Moscow, UTC+3): My tasks' groups and a new task's quick choices."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gateway.domain.days import day_group, quick_deadline

# 22:30 in Moscow on 6 December: UTC is still 19:30 of the same day.
NOW = datetime(2026, 12, 6, 19, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("deadline", "group"),
    [
        (NOW - timedelta(minutes=1), "overdue"),
        (datetime(2026, 12, 6, 20, 59, tzinfo=UTC), "today"),  # 23:59 MSK
        (datetime(2026, 12, 6, 21, 0, tzinfo=UTC), "tomorrow"),  # 00:00 MSK on the 7th, UTC 6th
        (datetime(2026, 12, 7, 20, 59, tzinfo=UTC), "tomorrow"),
        (datetime(2026, 12, 7, 21, 0, tzinfo=UTC), "later"),
        (None, "later"),
    ],
)
def test_the_day_boundary_is_moscow_midnight(deadline: datetime | None, group: str) -> None:
    assert day_group(deadline, NOW) == group


def test_quick_choices() -> None:
    assert quick_deadline("hour", NOW) == NOW + timedelta(hours=1)
    assert quick_deadline("tomorrow10", NOW) == datetime(2026, 12, 7, 7, 0, tzinfo=UTC)
    at = quick_deadline("at", NOW, "07.12.2026", "15:00")
    assert at == datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
    assert quick_deadline("at", NOW, "2026-12-07", "15:00") == at  # ISO, as a program sends it
    assert quick_deadline("at", NOW, " 07.12.2026 ", "9:05") == datetime(
        2026, 12, 7, 6, 5, tzinfo=UTC
    )
    assert quick_deadline("at", NOW, "07.12.2026", "") == datetime(2026, 12, 7, 7, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("day", "clock", "said"),
    [
        ("", "15:00", "Дата срока: укажите её как дд.мм.гггг"),
        ("завтра", "", "Дата срока: «завтра» — не дата: введите её как дд.мм.гггг"),
        ("12/07/2026", "15:00", "Дата срока: «12/07/2026» — не дата"),  # an English browser's
        ("31.02.2026", "15:00", "Дата срока: «31.02.2026» — не дата"),
        ("07.12.2026", "3:00 PM", "Время срока: «3:00 PM» — не время: введите его как ЧЧ:ММ"),
        ("07.12.2026", "24:00", "Время срока: «24:00» — не время"),
        ("07.12.2026", "15:00:00", "Время срока: «15:00:00» — не время"),
        ("07.12.2026", "15", "Время срока: «15» — не время"),
    ],
)
def test_a_date_or_time_that_cannot_be_read_is_refused_naming_the_field(
    day: str, clock: str, said: str
) -> None:
    with pytest.raises(ValueError) as refused:
        quick_deadline("at", NOW, day, clock)
    assert str(refused.value).startswith(said)
