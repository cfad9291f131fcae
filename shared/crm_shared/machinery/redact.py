"""Keeping personal data and secrets out of logs: phones, e-mail addresses, URL passwords.

Leads and contacts carry phones and e-mail addresses, and they reach log lines by many roads
(a refusal reason that quotes a value, a database error that names a key, a failed delivery
to a mailbox). Rather than hope every call site remembers, `PiiFilter` masks every record
on the way out, and the dead-letter reason header goes through `mask_pii` too (the
dead-letter body keeps the original message: it is for replay, not for reading in a log).

    >>> mask_pii("lead from +7 912 345-67-89, ivan.petrov@example.ru")
    'lead from +* *** ***-**-89, i***@example.ru'

The last two digits of a phone and the domain of an address stay, so that a person can
still tell two leads apart in a log.

`mask_url` hides the password of a URL (`nats://deal-service:s3cret@host` becomes
`nats://deal-service:***@host`) and `mask_urls` does it for every URL inside a text: what
the launcher prints and what the services' `crm_shared.machinery.logs.MaskSecrets` filter applies.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

__all__ = [
    "PiiFilter",
    "install_filter",
    "install_pii_filter",
    "mask_pii",
    "mask_record",
    "mask_url",
    "mask_urls",
]

# A phone: an optional '+', then digits in groups split by one or two of space, '-', '(' or
# ')'. Not inside a word, a number or a time (no digit, letter, ':' or '/' around it), so
# that ids, ports and clock times do not match; a '+' may follow ':' (`tel:+7...`). How
# many digits it needs is decided below.
_PHONE = re.compile(r"(?:(?<![\w+])\+|(?<![\w:/+-]))\(?\d(?:[ ()-]{0,2}\d){5,16}(?![\w:/])")
_EMAIL = re.compile(r"(?<![\w.+-])([\w.+-])[\w.+-]*@([\w-]+(?:\.[\w-]+)+)")
# With a '+' an international number has at least 7 digits; without one, at least 10 (a
# Russian number without its country code): shorter runs are counts, amounts, dates.
_MIN_DIGITS_INTERNATIONAL = 7
_MIN_DIGITS_LOCAL = 10
_MAX_DIGITS = 15  # E.164


def _mask_phone(match: re.Match[str]) -> str:
    text = match.group()
    digits = sum(c.isdigit() for c in text)
    least = _MIN_DIGITS_INTERNATIONAL if text.startswith("+") else _MIN_DIGITS_LOCAL
    if not least <= digits <= _MAX_DIGITS:
        return text
    keep = digits - 2  # the last two digits stay
    out = []
    for c in text:
        if c.isdigit() and keep > 0:
            out.append("*")
            keep -= 1
        else:
            out.append(c)
    return "".join(out)


def mask_pii(text: str) -> str:
    """`text` with phone numbers and e-mail addresses masked (`+* *** ***-**-89`, `i***@x.ru`)."""
    text = _EMAIL.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", text)
    return _PHONE.sub(_mask_phone, text)


def mask_record(record: logging.LogRecord, mask: Callable[[str], str]) -> None:
    """Apply `mask` to all a handler writes of `record`: message (arguments rendered in),
    traceback and stack.

    The traceback is rendered here once (the formatter then uses `exc_text` as it is); a
    traceback another filter rendered already is masked as well, so the filters of a handler
    may run in any order.
    """
    message = record.getMessage()
    masked = mask(message)
    if masked != message:
        record.msg, record.args = masked, None
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = mask(record.exc_text)
    if record.stack_info:
        record.stack_info = mask(record.stack_info)


class PiiFilter(logging.Filter):
    """Masks phones and e-mail addresses in a record's message, traceback and stack.

    Attached to handlers (a logger's filter does not see records propagated from its
    children).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        mask_record(record, mask_pii)
        return True


# FastStream's loggers do not propagate to the root logger and get their handlers only when
# a broker starts, so they are filtered as loggers: a record is logged on them directly.
_OWN_HANDLERS = ("faststream", "faststream.access.nats")


def install_pii_filter(logger: logging.Logger | None = None) -> None:
    """Add a `PiiFilter` to every handler of `logger` (default: the root logger).

    For the root logger, FastStream's loggers get one too (they keep their own handlers).
    """
    install_filter(PiiFilter, logger)


def install_filter(kind: type[logging.Filter], logger: logging.Logger | None = None) -> None:
    """Add a `kind` filter, once, to every handler of `logger` (default: the root logger,
    and then FastStream's loggers too)."""
    target = logger or logging.getLogger()
    where: list[logging.Handler | logging.Logger] = list(target.handlers)
    if logger is None:
        where += [logging.getLogger(name) for name in _OWN_HANDLERS]
    for place in where:
        if not any(isinstance(f, kind) for f in place.filters):
            place.addFilter(kind())


URL_MASK = "***"
# scheme://user:password@ -- the password is anything up to the last "@" before the host
# that contains no "/" or whitespace (passwords may contain "@" when not percent-encoded).
_CREDENTIALS = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^:/@\s]*:)(?P<secret>[^/\s]*)@")


def mask_url(url: str) -> str:
    """`url` with its password replaced by `***` (a comma-separated list: each URL masked).

    A URL without a password (`postgresql://postgres@host/crm`) is returned unchanged; so is
    anything that is not a URL.
    """
    return mask_urls(url)


def mask_urls(text: str) -> str:
    """`text` with the password of every URL in it replaced by `***`."""
    return _CREDENTIALS.sub(lambda m: f"{m['head']}{URL_MASK}@", text)
