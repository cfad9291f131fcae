"""Limits of the JetStream streams, and the lead sources known by name."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, ByteSize, Field

from ._base import Frozen
from .durations import Duration

__all__ = ["DEFAULT_LEAD_SOURCES", "LeadSource", "StreamSettings"]

# What `crm lead add` sends and what a small shop's systems usually are; an operator lists
# their own. Every other source is counted as "other" in the metrics.
DEFAULT_LEAD_SOURCES = ("site", "phone", "email", "marketplace", "cli")
_SOURCE = re.compile(r"[A-Za-z0-9_./-]{1,100}")


def _check_source(value: str) -> str:
    if not _SOURCE.fullmatch(value) or value == "other":
        raise ValueError(
            f"{value!r} не годится как источник лидов: от 1 до 100 латинских букв, цифр, '_', '.', "
            "'/' или '-', и не 'other' (под этим именем считаются все неперечисленные источники)"
        )
    return value


LeadSource = Annotated[str, AfterValidator(_check_source)]


def _no_bool(value: object) -> object:
    # bool is an int subclass: `max_bytes: yes` must not become one byte.
    if isinstance(value, bool):
        raise ValueError("нужен размер, например 1073741824, 512MiB или 1GiB")
    return value


Size = Annotated[ByteSize, BeforeValidator(_no_bool), Field(gt=0)]


class StreamSettings(Frozen):
    """The limits a service gives the CRM's streams when it creates them.

    Applied only when a stream is created: a stream that exists keeps the limits it has, so
    that what an operator set on it (`nats stream edit`) survives every service start.
    """

    # Each stream drops its oldest messages beyond this many bytes (consumed messages stay
    # in a stream until then, so without it the streams grow for ever).
    max_bytes: Size = ByteSize(1024**3)
    # Dead letters older than this are dropped; None keeps them until max_bytes.
    dead_letter_max_age: Duration | None = timedelta(days=30)
    # Leads, events and notifications older than this are dropped from CRM_LEADS, CRM_EVENTS
    # and CRM_NOTIFY; None keeps them until max_bytes. What an event carried (a contact's
    # name and phone) stays in the stream until this or max_bytes removes it, after an erasure.
    max_age: Duration | None = None
