"""Days as a person counts them: in their time zone, where «сегодня» and «завтра» begin.

One home for the day boundary (My tasks' groups, the quick deadlines of a new task), so that
a configured zone is one change here: `zone()` is the only place that names it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_ZONE = "Europe/Moscow"
"""The seed's sales team's zone, until the configuration names one."""

Group = Literal["overdue", "today", "tomorrow", "later"]
GROUPS: tuple[tuple[Group, str], ...] = (
    ("overdue", "Просрочено"),
    ("today", "Сегодня"),
    ("tomorrow", "Завтра"),
    ("later", "Позже"),
)


def zone() -> tzinfo:
    """The people's time zone (Moscow: UTC+3 all year since 2014, if tzdata is missing)."""
    try:
        return ZoneInfo(DEFAULT_ZONE)
    except ZoneInfoNotFoundError:
        return timezone(timedelta(hours=3), "MSK")


def local_day(moment: datetime, where: tzinfo | None = None) -> date:
    """The day `moment` falls on in `where` (the person's zone; the people's by default)."""
    return moment.astimezone(where or zone()).date()


def day_group(deadline: datetime | None, now: datetime, where: tzinfo | None = None) -> Group:
    """Where a task with this deadline stands on My tasks at `now`."""
    if deadline is None:
        return "later"
    if deadline < now:
        return "overdue"
    days = (local_day(deadline, where) - local_day(now, where)).days
    return "today" if days <= 0 else "tomorrow" if days == 1 else "later"


def at_local(day: date, clock: time, where: tzinfo | None = None) -> datetime:
    """`day` at `clock` in `where` (the people's zone by default), in UTC."""
    return datetime.combine(day, clock, where or zone()).astimezone(UTC)


def quick_deadline(
    choice: str, now: datetime, day: str = "", clock: str = "", where: tzinfo | None = None
) -> datetime:
    """The deadline of a quick choice: `hour` («через час»), `tomorrow10` («завтра в
    10:00»), or `at`: a date (YYYY-MM-DD) and a time (HH:MM) in the people's zone.

    ValueError with a Russian reason when the date or time cannot be read.
    """
    if choice == "hour":
        return now + timedelta(hours=1)
    if choice == "tomorrow10":
        return at_local(local_day(now, where) + timedelta(days=1), time(10, 0), where)
    try:
        return at_local(date.fromisoformat(day), time.fromisoformat(clock or "10:00"), where)
    except ValueError:
        raise ValueError("укажите дату и время срока") from None
