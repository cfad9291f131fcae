"""Moments and periods in query bodies: an RFC 3339 time or a YYYY-MM-DD date (UTC midnight).

Report queries take a half-open period [from, to). A bare date is accepted because people
and scripts ask for "January" as `2026-01-01` .. `2026-02-01`; a time must carry its offset
(RFC 3339), since a time without one means something different on every server.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator

from crm_shared.contracts.text import Short

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


def parse_moment(value: str) -> datetime:
    """An aware UTC datetime from `value`; ValueError naming the expected forms otherwise."""
    text = value.strip()
    try:
        if _DATE.match(text):
            return datetime.fromisoformat(text).replace(tzinfo=UTC)
        if _RFC3339.match(text):
            return datetime.fromisoformat(text.replace("z", "Z")).astimezone(UTC)
    except (ValueError, OverflowError):
        # well-formed but impossible (2026-02-30), or out of range once in UTC
        # (0001-01-01T00:00:00+01:00): the message below says what is wanted
        pass
    raise ValueError(
        f"{value!r} is not an RFC 3339 time with offset (2026-01-31T09:00:00Z) "
        "or a date (2026-01-31)"
    )


def check_moment(value: str) -> str:
    """Validator for a body field: the text, unchanged, if `parse_moment` accepts it."""
    parse_moment(value)
    return value


def check_order(start: str | None, end: str | None) -> None:
    """ValueError unless `start` is before `end` (either may be absent)."""
    if start is not None and end is not None and parse_moment(start) >= parse_moment(end):
        raise ValueError(f"'to' ({end}) must be later than 'from' ({start})")


Moment = Annotated[Short, AfterValidator(check_moment)]
"""An RFC 3339 time with offset or a YYYY-MM-DD date, kept as sent."""


def is_zone(value: str) -> bool:
    """An IANA zone name this machine knows ("Europe/Moscow", "UTC"). A fixed offset
    ("+03:00") would be wrong half the year where daylight saving applies, and an
    abbreviation ("MSK") is ambiguous: neither is one."""
    try:
        return ("/" in value or value == "UTC") and ZoneInfo(value) is not None
    except (ZoneInfoNotFoundError, ValueError):
        return False


def check_zone(value: str) -> str:
    """Validator for a body field: the name, unchanged, if `is_zone`."""
    if not is_zone(value):
        raise ValueError(f"{value!r} is not an IANA time zone (Europe/Moscow, Asia/Yekaterinburg)")
    return value


Zone = Annotated[Short, AfterValidator(check_zone)]
"""An IANA time zone name, kept as sent."""
