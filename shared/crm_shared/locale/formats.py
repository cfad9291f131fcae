"""How a person reads a time, a number, a sum of money, a share and a duration: in Russian,
through Babel (CLDR's ru), in their time zone. One module, for the board and the CLI alike.

Times arrive as the services keep them (UTC, RFC 3339) and are turned into the reader's zone
only here, at the edge; nothing stored or sent to a program is local. Spaces inside a number
and between a number and its unit are non-breaking (U+00A0), so «1 200 000 ₽» never wraps.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_datetime
from babel.numbers import format_currency, format_decimal
from babel.units import format_unit

# Parsed once: Babel's functions given the string "ru_RU" parse it at every call, about half
# of a moment's 15 µs (measured alone); a notice and every line of a page format several.
LOCALE = Locale.parse("ru_RU")
NBSP = "\u00a0"
NOTHING = "—"
DAY = "dd.MM.yyyy"
MOMENT = "dd.MM.yyyy HH:mm"
# A sign where Russian readers know one; any other currency is shown by its code.
_SIGNS = {"RUB": "₽", "USD": "$", "EUR": "€"}


def moment_of(value: str | datetime | None) -> datetime | None:
    """An aware datetime from an RFC 3339 string (or a datetime; naive is taken as UTC)."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def moment(value: str | datetime | None, zone: ZoneInfo) -> str:
    """«06.12.2026 17:27»: the moment on the reader's clock; nothing → «—»."""
    at = moment_of(value)
    return format_datetime(at, MOMENT, tzinfo=zone, locale=LOCALE) if at else NOTHING


def day(value: str | datetime | date | None, zone: ZoneInfo) -> str:
    """«06.12.2026»: the reader's calendar day of a moment (a date is shown as it is)."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.strftime("%d.%m.%Y")
    at = moment_of(value)
    return format_datetime(at, DAY, tzinfo=zone, locale=LOCALE) if at else NOTHING


def today(zone: ZoneInfo, now: datetime | None = None) -> date:
    """The reader's calendar date now."""
    return (now or datetime.now(UTC)).astimezone(zone).date()


def day_start(on: date, zone: ZoneInfo) -> datetime:
    """The UTC moment at which `on` begins on the reader's clock (their midnight)."""
    return datetime.combine(on, time(), tzinfo=zone).astimezone(UTC)


def next_local(clock: time, zone: ZoneInfo, now: datetime) -> datetime:
    """The next UTC moment, after `now`, at which the reader's clock shows `clock` (09:00
    every day in their zone, whatever the offset does in between)."""
    on = now.astimezone(zone).date()
    for days in (0, 1, 2):
        at = datetime.combine(on + timedelta(days=days), clock, tzinfo=zone).astimezone(UTC)
        if at > now:
            return at
    raise AssertionError("unreachable: a day later is always later")


def parse_day(text: str) -> date:
    """«07.11.2026» (what a person types; «07,11,2026» too, from a phone's digit keypad whose
    only separator is a Russian decimal comma; ISO «2026-11-07» too) → a date; ValueError in
    Russian otherwise."""
    text = text.strip()
    try:
        if "-" in text:
            return date.fromisoformat(text)
        d, m, y = text.replace(",", ".").split(".")
        return date(int(y), int(m), int(d))
    except ValueError:
        raise ValueError(f"«{text}» — не дата: введите её как дд.мм.гггг") from None


def parse_clock(text: str) -> time:
    """«15:00» or «9:30» (what a person types: hours and minutes, 24 h) → a time; «15.00»,
    «15,00», «1500» and «930» too, as typed on a phone's digit keypad, which has no «:».
    ValueError in Russian otherwise (no «3 PM», no seconds, no zone: the reader's clock)."""
    text = text.strip()
    mark = next((m for m in ":.," if m in text), None)
    if mark:
        hours, _, minutes = text.partition(mark)
    else:  # digits only: the last two are the minutes
        hours, minutes = (text[:-2], text[-2:]) if len(text) in (3, 4) else ("", "")
    try:
        if not (hours.isdigit() and len(hours) <= 2 and minutes.isdigit() and len(minutes) == 2):
            raise ValueError(text)
        return time(int(hours), int(minutes))
    except ValueError:
        raise ValueError(f"«{text}» — не время: введите его как ЧЧ:ММ") from None


def _decimal(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def number(value: Any) -> str:
    """1234567 → «1 234 567»; 2.5 → «2,5»."""
    amount = _decimal(value)
    return format_decimal(amount, locale=LOCALE) if amount is not None else NOTHING


def amount(value: Any) -> str:
    """An amount as a person types it back: 177000 → «177 000», 12500.5 → «12 500,50»;
    none → «» (an empty input)."""
    number = _decimal(value)
    if number is None:
        return "" if value in (None, "") else str(value)
    pattern = "#,##0" if number == number.to_integral_value() else "#,##0.00"
    return format_decimal(number, pattern, locale=LOCALE)


def money(value: Any, currency: str | None = "RUB") -> str:
    """1200000, RUB → «1 200 000 ₽»; 15000.5 → «15 000,50 ₽»; KZT → «… KZT»; none → «—»."""
    amount = _decimal(value)
    if amount is None:
        return NOTHING if value in (None, "") else str(value)
    code = (currency or "RUB").upper()
    digits = "" if amount == amount.to_integral_value() else ".00"
    text: str = format_currency(
        amount, code, f"#,##0{digits}{NBSP}¤", locale=LOCALE, currency_digits=False
    )
    return text.replace(code, _SIGNS[code]) if code in _SIGNS else text


def sums(by_currency: dict[str, Any] | None) -> str:
    """A sum per currency, «1 200 ₽ + 300 $»; none → «0 ₽»."""
    if not by_currency:
        return money(0)
    return " + ".join(money(v, c) for c, v in sorted(by_currency.items()))


def percent(share: float | None, digits: int = 1) -> str:
    """0.1333 → «13,3 %» (a share of 1); none → «0 %». Half rounds up, as people round
    (1 of 8 is «13 %» with no decimals; Babel's own rounding, half to even, said «12 %»)."""
    exact = Decimal(str(share or 0)) * 100
    value = exact.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return f"{format_decimal(value, pattern, locale=LOCALE)}{NBSP}%"


_UNITS = (
    (86_400, "duration-day"),
    (3_600, "duration-hour"),
    (60, "duration-minute"),
    (1, "duration-second"),
)


def duration(seconds: float | timedelta | None, parts: int = 2) -> str:
    """3725 → «1 ч 2 мин»; the two largest units a person needs; none → «—»."""
    if seconds is None:
        return NOTHING
    if isinstance(seconds, timedelta):
        seconds = seconds.total_seconds()
    rest = max(0, round(seconds))
    shown = []
    for size, unit in _UNITS:
        count, rest = divmod(rest, size)
        if count:
            shown.append(format_unit(count, unit, length="short", locale=LOCALE))
    zero = format_unit(0, "duration-second", length="short", locale=LOCALE)
    return " ".join(shown[:parts]) if shown else zero


def seconds(value: float, digits: int = 1) -> str:
    """1.14 → «1,1 с»: a short wait measured to a tenth (how long a start took); none of
    `duration`'s rounding to whole units."""
    return format_unit(round(value, digits), "duration-second", length="short", locale=LOCALE)


_DATA_UNITS = ("digital-byte", "digital-kilobyte", "digital-megabyte", "digital-gigabyte")


def data_size(n: float) -> str:
    """163840 → «160 кБ», 12.3 MiB → «12,3 МБ»: an archive's or a file's size, in steps of 1024."""
    for unit in _DATA_UNITS:
        if n < 1024 or unit == _DATA_UNITS[-1]:
            return format_unit(n, unit, length="short", format="#,##0.#", locale=LOCALE)
        n /= 1024
    raise AssertionError("unreachable")
