"""The live feed: one JetStream subscription for the whole process, fanned out in memory.

The hub follows stream CRM_EVENTS (through its mirror CRM_EVENTS_FEED) with one ordered
consumer, keeps the newest events in a ring buffer, and hands each event, encoded once as an
SSE frame, to the queue of every listener that may see it. A listener that resumes
(Last-Event-ID = a stream sequence) gets the gap from the ring buffer, or, when the gap is
older, from the stream through a consumer of its own that reads just the gap and ends.
Registration and the hub's position are taken together, with no await between them, so
nothing is missed or sent twice at the seam.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterator

from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, DeliverPolicy

from gateway.adapters.feed_erasures import Erasures
from gateway.adapters.feed_events import (
    EVENTS,
    NOTIFICATIONS,
    PING,
    QUEUE_SIZE,
    Feed,
    FeedEvent,
    Listener,
    Owners,
    truncated,
)
from gateway.adapters.metrics import GatewayMetrics
from gateway.domain.people import Principal
from gateway.domain.visibility import may_see

log = logging.getLogger(__name__)
RESUME_SECONDS = 0.5  # between attempts to follow the stream again after a reconnect
__all__ = ["EVENTS", "NOTIFICATIONS", "PING", "QUEUE_SIZE", "EventHub", "Feed", "FeedEvent"]
__all__ += ["Listener", "Owners", "truncated"]


class EventHub:
    """Follows one stream once and serves every listener from memory."""

    def __init__(
        self,
        js: JetStreamContext,
        metrics: GatewayMetrics,
        buffer: int,
        feed: Feed = EVENTS,
        heartbeat: float = 15.0,
        linger: float = 60.0,
    ) -> None:
        self.js = js
        self.feed = feed
        self.heartbeat = heartbeat
        self.linger = linger
        self._beats: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self._idle_since: float | None = None
        self.metrics = metrics
        self.recent: deque[FeedEvent] = deque(maxlen=buffer)
        self.listeners: set[Listener] = set()
        self.last_seq = 0
        self._sub: object | None = None
        self._resuming: asyncio.Task[None] | None = None
        # A replay leaves out an erased deal's events from before its erasure (deal events).
        self.erasures = None if feed.private else Erasures(js, feed.stream)

    async def start(self) -> None:
        """Ready to serve. The stream is followed only while someone listens (and `linger`
        seconds after the last one left): each delivered event costs the process about 0.1 ms
        of CPU in nats-py, which a gateway that only takes leads need not pay."""
        self._beats = asyncio.create_task(self._beat(), name=f"heartbeat-{self.feed.stream}")

    @property
    def following(self) -> bool:
        """Whether the stream is being followed now."""
        return self._sub is not None

    async def _following(self) -> None:
        """Follow the stream from its current end, unless already following."""
        async with self._lock:
            if self._sub is None:
                await self._subscribe()

    async def _subscribe(self) -> None:
        info = await self.js.stream_info(self.feed.stream)
        self.last_seq = int(info.state.last_seq)
        self._sub = await self._open()

    async def _open(self) -> object:
        """An ordered consumer from the event after the last one handed out."""
        config = ConsumerConfig(
            filter_subjects=self.feed.subjects,
            deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
            opt_start_seq=self.last_seq + 1,
        )
        return await self.js.subscribe(
            "",
            stream=self.feed.stream,
            config=config,
            ordered_consumer=True,
            cb=self._on_msg,
            pending_msgs_limit=-1,
        )

    def reconnected(self) -> None:
        """The bus connection is back after a drop: follow again from where we were.

        The ordered consumer lives in the server's memory, so a NATS restart loses it;
        nats-py notices only after two missed heartbeats (10 s or more) and then makes a new
        one from the stream's first event (nats-io/nats.py#510). A new consumer from the
        event after `last_seq` is made at once instead; listeners stay, and get what was
        published meanwhile, nothing twice."""
        if self._sub is not None and (self._resuming is None or self._resuming.done()):
            self._resuming = asyncio.create_task(self._resume(), name=f"resume-{self.feed.stream}")

    async def _resume(self) -> None:
        async with self._lock:
            old, self._sub = self._sub, None
            if old is None:  # stopped following meanwhile
                return
            with contextlib.suppress(Exception):
                await old.unsubscribe()  # type: ignore[attr-defined]
            for attempt in itertools.count():
                try:
                    self._sub = await self._open()
                    return
                except Exception as exc:  # JetStream may answer only a moment after NATS
                    if attempt == 0:
                        log.warning("the %s feed waits for JetStream: %r", self.feed.stream, exc)
                    await asyncio.sleep(RESUME_SECONDS)

    async def _unsubscribe(self, *, only_if_idle: bool = False) -> None:
        """Stop following; what the buffer holds is no longer contiguous with what comes."""
        async with self._lock:
            if only_if_idle and self.listeners:  # someone came while we waited for the lock
                return
            sub, self._sub = self._sub, None
            self.recent.clear()
            if sub is not None:
                with contextlib.suppress(Exception):
                    await sub.unsubscribe()  # type: ignore[attr-defined]

    async def _beat(self) -> None:
        """Every `heartbeat` seconds, a keep-alive to each listener that got nothing since
        the last beat: one timer for all of them, none per client and event."""
        while True:
            await asyncio.sleep(self.heartbeat)
            now = time.monotonic()
            if self.listeners or self._sub is None:
                self._idle_since = None
            elif self._idle_since is None:
                self._idle_since = now
            elif now - self._idle_since >= self.linger:
                self._idle_since = None
                await self._unsubscribe(only_if_idle=True)
            for listener in list(self.listeners):
                if listener.idle:
                    with contextlib.suppress(asyncio.QueueFull):
                        listener.queue.put_nowait(PING)
                listener.idle = True

    async def stop(self) -> None:
        """Stop following; every listener's stream ends."""
        if self._beats is not None:
            self._beats.cancel()
        if self._resuming is not None:
            self._resuming.cancel()
        await self._unsubscribe()
        for listener in list(self.listeners):
            self.cut(listener)

    async def _on_msg(self, msg: Msg) -> None:
        seq = int(msg.metadata.sequence.stream)
        if seq <= self.last_seq:
            return
        event = FeedEvent(seq, msg.data, self.feed.owners)
        self.recent.append(event)
        self.last_seq = seq
        for listener in list(self.listeners):
            if self.visible(listener.principal, event):
                try:
                    listener.queue.put_nowait(event)
                    listener.idle = False
                except asyncio.QueueFull:
                    # Too far behind: cut it off; it resumes with its Last-Event-ID.
                    self.metrics.sse_dropped.inc()
                    self.cut(listener)

    def _erased(self, event: FeedEvent) -> bool:
        return self.erasures is not None and self.erasures.hides(event)

    def visible(self, viewer: Principal, event: FeedEvent) -> bool:
        """Whether `viewer` gets `event` (without parsing it when the answer is yes anyway)."""
        if viewer.sees_all and not self.feed.private:
            return True
        return may_see(viewer, event.owners, private=self.feed.private)

    def cut(self, listener: Listener) -> None:
        """End a listener's stream (it has sent what it holds)."""
        listener.ended = True
        self.listeners.discard(listener)
        with contextlib.suppress(asyncio.QueueFull):
            listener.queue.put_nowait(None)
        if listener.queue.full():  # make room for the end mark
            listener.queue.get_nowait()
            listener.queue.put_nowait(None)

    def remove(self, listener: Listener) -> None:
        """The client went away."""
        self.listeners.discard(listener)

    async def position(self) -> int:
        """The stream sequence of the newest event, following the stream from now on."""
        await self._following()
        return self.last_seq

    async def follow(
        self, listener: Listener, after: int | None, max_replay: int = 10_000
    ) -> AsyncGenerator[FeedEvent]:
        """Events for the listener: those after `after` (a stream sequence) first — at most
        the last `max_replay` of them, after a `replay_truncated` notice when there were
        more —, then live, with a keep-alive (`PING`) when nothing was sent for a while."""
        await self._following()
        principal = listener.principal
        self.listeners.add(listener)
        upto = self.last_seq  # taken with the registration: live events are those after it
        self.metrics.sse_clients.inc()
        try:
            if after is not None and after < upto:
                if upto - after > max_replay:
                    after = upto - max_replay
                    yield truncated(after)
                if self.erasures is not None:
                    await self.erasures.refresh()
                async for missed in self._gap(after, upto):
                    if listener.ended:
                        return
                    if self.visible(principal, missed) and not self._erased(missed):
                        yield missed
            while True:
                event = await listener.queue.get()
                if event is None:
                    return
                yield event
        finally:
            self.remove(listener)
            self.metrics.sse_clients.dec()

    async def _gap(self, after: int, upto: int) -> AsyncIterator[FeedEvent]:
        """Events with after < seq <= upto: from memory when the buffer holds them all."""
        recent = list(self.recent)
        if recent and recent[0].seq <= after + 1:
            for event in recent:
                if after < event.seq <= upto:
                    yield event
            return
        async for event in self._read_stream(after + 1, upto):
            yield event

    async def _read_stream(self, start: int, upto: int) -> AsyncIterator[FeedEvent]:
        config = ConsumerConfig(
            filter_subjects=self.feed.subjects,
            deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
            opt_start_seq=start,
        )
        sub = await self.js.subscribe(
            "", stream=self.feed.stream, config=config, ordered_consumer=True
        )
        try:
            while True:
                try:
                    msg = await sub.next_msg(timeout=2)
                except TimeoutError:
                    return  # the rest of the gap is gone from the stream (limits, purge)
                except Exception as exc:  # nats-py's own timeout type
                    if "timeout" in type(exc).__name__.lower():
                        return
                    raise
                seq = int(msg.metadata.sequence.stream)
                if seq > upto:
                    return
                yield FeedEvent(seq, msg.data, self.feed.owners)
                if seq == upto:
                    return
        finally:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()
