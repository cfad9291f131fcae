"""Opaque paging cursors: the sort key of a page's last row, handed out and taken back.

A cursor comes back from a client, so it is untrusted text even though we made it. Reading
one checks that its key is one the database can take as a query argument: no NUL byte
(PostgreSQL refuses it in text, 22021), a sequence number within `bigint`, a moment with an
offset that is still a moment in UTC (`0001-01-01T00:00:00+01:00` is not). Anything else is
a ValueError, which the list query answers as `invalid`, never as a database error that
would be answered `internal`.

    >>> decode_seq("task", encode_seq("task", 42))
    42
    >>> decode_seq("task", encode_seq("notify", 42))
    Traceback (most recent call last):
    ...
    ValueError: bad cursor 'bm90aWZ5OjQy'
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime

from crm_shared.contracts.text import check_storable

MAX_SEQ = 2**63 - 1  # PostgreSQL's bigint


def encode_seq(kind: str, seq: int) -> str:
    """A cursor for a row numbered `seq` (a `bigserial`) of a list of `kind`."""
    return _encode(f"{kind}:{seq}")


def decode_seq(kind: str, cursor: str) -> int:
    """The sequence number of a cursor made by `encode_seq(kind, ...)`; else ValueError."""
    try:
        found, seq = _decode(cursor).split(":", 1)
        number = int(seq)
        if found != kind or not 0 < number <= MAX_SEQ:
            raise ValueError(f"{found!r} {number}")
        return number
    except ValueError as exc:
        raise ValueError(f"bad cursor {cursor!r}") from exc


def encode_moment(at: datetime, key: str) -> str:
    """A cursor for a row sorted by (`at`, `key`)."""
    return _encode(f"{at.isoformat()}|{key}")


def decode_moment(cursor: str) -> tuple[datetime, str]:
    """The (moment in UTC, key) of a cursor made by `encode_moment`; else ValueError."""
    try:
        text, key = _decode(cursor).split("|", 1)
        at = datetime.fromisoformat(text)
        if at.utcoffset() is None:
            raise ValueError("a moment without an offset")
        return at.astimezone(UTC), key
    except (ValueError, OverflowError) as exc:  # OverflowError: before year 1 or after 9999 in UTC
        raise ValueError(f"bad cursor {cursor!r}") from exc


def _encode(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


def _decode(cursor: str) -> str:
    """The text inside a cursor; ValueError (binascii.Error and UnicodeDecodeError are
    ValueErrors) when it is not base64 of UTF-8 or holds a NUL."""
    return check_storable(base64.urlsafe_b64decode(cursor.encode()).decode())
