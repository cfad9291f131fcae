"""Days as a person counts them: in their time zone, where «сегодня» and «завтра» begin.

One home for the day boundary (My tasks' groups, the quick deadlines of a new task), so that
a configured zone is one change here: `zone()` is the only place that names it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from crm_shared import locale

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
    10:00»), or `at`: a day as people type it (дд.мм.гггг; YYYY-MM-DD too) and a time
    (ЧЧ:ММ, 24 h; 10:00 when left empty) in the people's zone, read as the РОП's period is
    (crm_shared.locale's `parse_day`, and `parse_clock`).

    ValueError with a Russian reason naming the field when the date or time cannot be read.
    """
    if choice == "hour":
        return now + timedelta(hours=1)
    if choice == "tomorrow10":
        return at_local(local_day(now, where) + timedelta(days=1), time(10, 0), where)
    if not day.strip():
        raise ValueError("Дата срока: укажите её как дд.мм.гггг")
    try:
        on = locale.parse_day(day)
    except ValueError as exc:
        raise ValueError(f"Дата срока: {exc}") from None
    try:
        at = locale.parse_clock(clock) if clock.strip() else time(10, 0)
    except ValueError as exc:
        raise ValueError(f"Время срока: {exc}") from None
    return at_local(on, at, where)
