"""The РОП's reports: who may ask for them, and for how long a period."""

from __future__ import annotations

from datetime import datetime, timedelta

from crm_shared.contracts.periods import parse_moment
from gateway.domain.people import Principal
from gateway.handlers.errors import Refusal

MAX_SPAN = timedelta(days=731)
"""The longest period a report covers (two years, a leap day included)."""


def check_rop(principal: Principal) -> None:
    """The reports and the РОП's page are the РОП's: anyone else (a manager, a token acting
    as one, a token acting as no one) is refused with 403."""
    if principal.role != "rop":
        raise Refusal(
            403,
            "forbidden",
            "отчёты и страница РОП доступны только пользователю с ролью РОП",
        )


def checked_span(start: str, end: str) -> tuple[datetime, datetime]:
    """[from, to) as times, or 400 when either is not a time or a date, `to` is not after
    `from`, or the period is longer than two years."""
    try:
        first, until = parse_moment(start), parse_moment(end)
    except ValueError:
        raise Refusal(
            400,
            "invalid",
            "период: ожидается дата (2026-01-31) или время RFC 3339 со смещением "
            "(2026-01-31T09:00:00Z)",
        ) from None
    if until <= first:
        why = {"reason": "period", "problems": "«по» должно быть позже «с»"}
        raise Refusal(400, "invalid", "период: «по» должно быть позже «с»", params=why)
    if until - first > MAX_SPAN:
        why = {"reason": "period", "problems": "не длиннее двух лет"}
        raise Refusal(400, "invalid", "период отчёта — не длиннее двух лет", params=why)
    return first, until
