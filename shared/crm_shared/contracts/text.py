"""The string types of every command, query and event schema.

A string on our bus must be storable and re-encodable: no NUL (PostgreSQL refuses it in
text, SQLSTATE 22021) and no lone surrogate (it cannot be encoded as UTF-8, and JSON lets
one through as `"\\ud800"`). Its limit counts bytes, as the string takes them in a JSON
body (UTF-8, escapes included), not characters: the limits of a command's fields then add up
to a bound on the events it produces, which must stay under what a consumer accepts
(`MAX_BODY_BYTES`); counted in characters, two updates of emoji made a 94 KB event.
The `max_length` beside each limit only documents it in the JSON schema (a character takes at
least a byte, so it never refuses what the byte count accepts).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import partial
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints


def check_text(value: str, max_bytes: int) -> str:
    """The string unchanged if it is storable and at most `max_bytes` in JSON; else ValueError."""
    check_storable(value)
    # A character takes at most 6 bytes in JSON (`\u0001`): only a long string can be over,
    # and only then is it measured (every event a consumer parses passes through here).
    if len(value) * 6 > max_bytes:
        size = json_size(value)
        if size > max_bytes:
            raise ValueError(f"is {size} bytes in JSON, over the limit of {max_bytes}")
    return value


def check_storable(value: str) -> str:
    """The string unchanged if it has no NUL and no lone surrogate; else ValueError."""
    if "\x00" in value:
        raise ValueError("must not contain NUL (\\u0000)")
    if not value.isascii():  # ASCII has no surrogate: the encoding test only for the rest
        try:
            value.encode()
        except UnicodeEncodeError:
            raise ValueError("must not contain a lone surrogate") from None
    return value


def filled(value: object) -> bool:
    """Whether a field holds a value: None and a text of only spaces do not."""
    if value is None:
        return False
    return not isinstance(value, str) or bool(value.strip())


def json_size(value: str) -> int:
    """Bytes `value` takes inside a JSON body (UTF-8, escapes included, quotes not)."""
    return len(json.dumps(value, ensure_ascii=False).encode()) - 2


def _text(max_bytes: int) -> AfterValidator:
    return AfterValidator(partial(check_text, max_bytes=max_bytes))


NO_NUL = r"^[^\x00]*$"
Plain = Annotated[str, StringConstraints(pattern=NO_NUL)]
"""A string of an event or a reply: storable, bounded by the command that set it.

Checked by pydantic-core itself, with no call into Python a field (a consumer reads some
forty of these a lead: `check_storable` as a validator was 4 % of each service, issue 25):
a NUL fails the pattern (`string_pattern_mismatch`), and a lone surrogate cannot be read as
UTF-8 (`string_unicode`; in a JSON body, an invalid escape). What it accepts and refuses is
what `check_storable` accepts and refuses (tests/unit/test_text_types.py)."""
ID_BYTES = 100
"""The longest id, in bytes: of a deal, a task, a user (an actor: the configuration holds
its users to it, the gateway's sign-in too), a request."""
Id = Annotated[str, Field(min_length=1, max_length=ID_BYTES), _text(ID_BYTES)]
"""An id: of a deal, a task, a contact, a user, a request."""
CrmId = Annotated[str, StringConstraints(pattern=rf"^[A-Za-z0-9_.:-]{{1,{ID_BYTES}}}$")]
"""An id as the CRM makes them (user ids of the configuration, UUIDs of deliveries): no NUL,
no lone surrogate or other text the database would refuse can get through."""
Code = Annotated[str, Field(min_length=1, max_length=64), _text(64)]
"""A stage code."""
Short = Annotated[str, Field(max_length=100), _text(100)]
"""A source system's name, a currency and the like."""
Name = Annotated[str, Field(max_length=200), _text(200)]
"""A person's name, a segment, an external id."""
Phone = Annotated[str, Field(max_length=50), _text(50)]
"""A phone number as typed."""
Title = Annotated[str, Field(max_length=500), _text(500)]
"""A deal's title or company."""
Subject = Annotated[str, Field(max_length=2000), _text(2000)]
"""A deal's subject, a note."""
LongText = Annotated[str, Field(max_length=10000), _text(10000)]
"""Requirements, a comment, a failure comment."""
Cursor = Annotated[str, Field(max_length=500), _text(500)]
"""An opaque paging cursor."""


def utc_text(at: datetime) -> str:
    """A time as every program reads it from us: UTC ISO 8601 ending in `Z`, pydantic's
    spelling, microseconds only when there are some. (`isoformat()` writes `+00:00`: the
    times a service wrote by hand and those pydantic wrote came in two spellings.)"""
    if at.utcoffset():  # another zone's clock: the same instant in UTC
        at = at.astimezone(UTC)
    text = at.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text
