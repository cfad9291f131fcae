"""What the live feed hands around: which stream a feed follows and who may see its events
(`Feed`), one event encoded once as an SSE frame (`FeedEvent`), and one connected client
(`Listener`). The hub that follows the stream is `gateway.adapters.feed`."""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from gateway.domain.people import Principal
from gateway.domain.visibility import owners_of, recipient_of

QUEUE_SIZE = 10_000
Owners = Callable[[dict[str, Any]], tuple[str, ...]]


@dataclass(frozen=True)
class Feed:
    """A stream the gateway streams: its subjects, whose each event is, whether private."""

    stream: str
    subjects: list[str]
    owners: Owners
    private: bool = False


# CRM_EVENTS_FEED mirrors CRM_EVENTS (same sequence numbers): the gateway's consumers live
# there, apart from the services' durable ones (crm_shared.machinery.streams.MIRRORS).
EVENTS = Feed("CRM_EVENTS_FEED", ["crm.deal.>", "crm.task.>"], owners_of)
NOTIFICATIONS = Feed("CRM_NOTIFY", ["crm.notify.>"], recipient_of, private=True)


class FeedEvent:
    """One event of the stream, encoded once as an SSE frame for every listener.

    Whose it is (`owners`) needs the JSON parsed; that is done only when a listener that does
    not see everything asks, so a feed followed by those who see all parses nothing.
    """

    __slots__ = ("__dict__", "frame", "raw", "seq", "whose")

    def __init__(self, seq: int, raw: bytes, whose: Owners) -> None:
        self.seq = seq
        self.raw = raw
        self.whose = whose
        start = raw.find(b'"type":"')
        end = raw.find(b'"', start + 8) if start >= 0 else -1
        kind = raw[start + 8 : end] if start >= 0 and end > 0 else b"message"
        data = raw.replace(b"\r", b"").replace(b"\n", b"\ndata: ")
        self.frame = b"id: %d\nevent: %s\ndata: %s\n\n" % (seq, kind, data)

    @functools.cached_property
    def data(self) -> dict[str, Any]:
        """The event's `data`, parsed once for whoever asks (empty if it is not an object)."""
        try:
            data = json.loads(self.raw).get("data")
        except (ValueError, AttributeError):
            return {}
        return data if isinstance(data, dict) else {}

    @functools.cached_property
    def owners(self) -> tuple[str, ...]:
        """The users the event's deal or task belongs (or, reassigned, belonged) to."""
        return self.whose(self.data) if self.data else ()


PING = FeedEvent(0, b"", lambda data: ())
PING.frame = b": ping\n\n"
"""A keep-alive comment; SSE clients ignore it, proxies see the connection is in use."""


def truncated(after: int) -> FeedEvent:
    """The notice that a resume asked for more than may be replayed: what follows starts
    after sequence `after`; the client reloads what it shows."""
    data = json.dumps(
        {
            "code": "replay_truncated",
            "message": "пропущено слишком много событий; обновите страницу",
            "after": after,
        },
        ensure_ascii=False,
    ).encode()
    notice = FeedEvent(after, b"", lambda data: ())
    notice.frame = b"id: %d\nevent: replay_truncated\ndata: %s\n\n" % (after, data)
    return notice


@dataclass(eq=False)
class Listener:
    """One connected client: what it may see, and its events waiting to be sent."""

    principal: Principal
    idle: bool = True
    ended: bool = False
    queue: asyncio.Queue[FeedEvent | None] = field(
        default_factory=lambda: asyncio.Queue(QUEUE_SIZE)
    )
