"""Deadlines in the configuration: whole seconds or an ISO 8601 duration (PT1H, P1D, P2DT12H);
and the hours of the day things happen at: a local time, "HH:MM" in quotes.

Parsed here rather than by pydantic's own timedelta coercion, which also accepts floats,
"1:00:00" clock strings and negative values: a deadline has one clear spelling and an error
message that says which spellings are allowed.
"""

from __future__ import annotations

import re
from datetime import time, timedelta
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, PlainSerializer

from .messages import shown

__all__ = ["Duration", "format_duration", "parse_clock", "parse_duration"]

# Weeks, days, hours, minutes and seconds only: years and months have no fixed length, and a
# task deadline of "P1M" would silently mean a different number of days in February.
_ISO_DURATION = re.compile(
    r"P(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?",
    re.IGNORECASE,
)
_HINT = "секунды (целое число) или длительность ISO 8601, например PT1H, P1D, P2DT12H"


def parse_duration(value: object) -> timedelta:
    """Turn a configured duration into a `timedelta`.

    Accepts an integer number of seconds (`3600`, also as the string `"3600"`), an ISO 8601
    duration made of weeks, days, hours, minutes and seconds (`PT1H`, `P1D`, `P1DT6H30M`),
    or a `timedelta`. Raises `ValueError` for anything else, including floats and booleans.
    """
    if isinstance(value, timedelta):
        return value
    # bool is an int subclass: `deadline: yes` must not become one second.
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"нужны {_HINT}; указано: {shown(value)}")
    if isinstance(value, int):
        return timedelta(seconds=value)
    text = value.strip()
    if text.isdigit():
        return timedelta(seconds=int(text))
    match = _ISO_DURATION.fullmatch(text)
    # "P" and "PT" match the pattern with every part empty, and "P1DT" has a dangling T.
    if match is None or not any(match.groupdict().values()) or text.upper().endswith("T"):
        raise ValueError(
            f"{value!r} не длительность: нужны {_HINT} "
            "(годы и месяцы нельзя: их длина бывает разной)"
        )
    parts = {name: int(number) for name, number in match.groupdict().items() if number}
    return timedelta(**parts)


def format_duration(value: timedelta) -> str:
    """Write a `timedelta` as the shortest ISO 8601 duration (`PT1H`, `P2D`, `P1DT30M`).

    Sub-second parts are dropped: configured deadlines are whole seconds.
    """
    total = int(value.total_seconds())
    sign, total = ("-", -total) if total < 0 else ("", total)
    days, rest = divmod(total, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, seconds = divmod(rest, 60)
    date = f"{days}D" if days else ""
    time = "".join(
        f"{number}{unit}"
        for number, unit in ((hours, "H"), (minutes, "M"), (seconds, "S"))
        if number
    )
    if not date and not time:
        return "PT0S"
    return f"{sign}P{date}{'T' + time if time else ''}"


def _positive(value: timedelta) -> timedelta:
    if value <= timedelta(0):
        raise ValueError("должно быть больше нуля")
    return value


Duration = Annotated[
    timedelta,
    BeforeValidator(parse_duration),
    AfterValidator(_positive),
    # Dumped as ISO 8601 so that a dumped configuration reads like the file it came from.
    PlainSerializer(format_duration, return_type=str, when_used="json"),
]
"""A positive duration field: seconds or ISO 8601 in, `timedelta` in Python, ISO in JSON."""


_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)(?::00)?$")  # ":00" seconds: a dump read back


def parse_clock(value: object, example: str) -> time:
    """A configured local time of day, "HH:MM" in quotes, as a `time` (a `time` as it is).

    Unquoted, YAML reads 09:00 as the number 540 (minutes, sexagesimal): refused, with the
    hint to quote it; `example` is the field's usual value, shown in the message.
    """
    if isinstance(value, time):
        return value
    match = _CLOCK.match(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError(
            f'нужно местное время "ЧЧ:ММ" в кавычках (например, "{example}"); '
            f"указано: {shown(value)}"
        )
    return time(int(match[1]), int(match[2]))
