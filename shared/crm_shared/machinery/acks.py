"""JetStream publishes whose acks are awaited together: the outbox relay's way to publish.

nats-py's `js.publish` is a request per message: a task to run it, a random reply token (a
system call for its bytes), a future with its own timeout, the ack parsed into a dataclass.
For a round of a few hundred outbox events that is most of the relay's CPU (33 µs a publish,
measured; 14 µs this way). Here the replies of every publish come to one subscription of
our own (`<inbox>.<n>`, under the client's inbox prefix, which the server's permissions
already give the service), each publish is one `nc.publish` with that reply subject, and the
round waits for all its acks under one timeout.

What an answer means is what `js.publish` made of it: an ack naming a stream is success
(a duplicate too: the stream already holds the event); an ack with an error, a 503 "no
responders" (no stream takes the subject, or JetStream is away), or no answer in time is a
failure, raised as the nats-py error `js.publish` raises, so `faults.is_transient` reads it
the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from typing import Any

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js.errors import APIError, NoStreamResponseError

MSG_ID = "Nats-Msg-Id"
# How long a publish (the relay: a round of them) or a JetStream API call waits for its answer.
ACK_SECONDS = 10.0
_STATUS = "Status"
_NO_RESPONDERS = "503"


class Acks:
    """Publishes to JetStream; each publish gets a future that its ack settles."""

    def __init__(self, nc: Client, timeout: float) -> None:
        self._nc = nc
        self._timeout = timeout
        self._prefix = ""
        self._sub: Subscription | None = None
        self._ready: asyncio.Lock | None = None
        self._waiting: dict[str, asyncio.Future[Any]] = {}
        self._tokens = itertools.count()

    def send(self, events: list[tuple[str, str, bytes]]) -> list[asyncio.Future[Any]]:
        """Publish (event id, subject, payload) in this order, `Nats-Msg-Id` = the event id;
        returns a future per event, settled by its ack (`results` waits for them)."""
        loop = asyncio.get_running_loop()
        futures = [loop.create_future() for _ in events]
        task = loop.create_task(self._publish(events, futures))
        task.add_done_callback(_retrieved)
        return futures

    async def results(self, futures: list[asyncio.Future[Any]]) -> list[Any]:
        """Each publish's ack (`{"stream", "seq", …}`), or the exception it got; at most
        the timeout for them all."""
        if futures:
            await asyncio.wait(futures, timeout=self._timeout)
        late = [f for f in futures if not f.done()]
        for future in late:
            future.set_exception(NatsTimeoutError())
        if late:  # forget them: an ack that comes now is for no one
            for token in [t for t, f in self._waiting.items() if f.done()]:
                del self._waiting[token]
        return [f.exception() or f.result() for f in futures]

    async def _publish(
        self, events: list[tuple[str, str, bytes]], futures: list[asyncio.Future[Any]]
    ) -> None:
        sent = 0
        try:
            prefix = await self._subscribed()
            for (event_id, subject, payload), future in zip(events, futures, strict=True):
                token = str(next(self._tokens))
                self._waiting[token] = future
                await self._nc.publish(
                    subject, payload, reply=prefix + token, headers={MSG_ID: event_id}
                )
                sent += 1
        except Exception as exc:  # not sent: the connection closed, the buffer is full, …
            for future in futures[sent:]:
                if not future.done():
                    future.set_exception(exc)

    async def _subscribed(self) -> str:
        """The reply prefix (`<inbox>.`), subscribing on first use."""
        if self._sub is None:
            if self._ready is None:
                self._ready = asyncio.Lock()
            async with self._ready:
                if self._sub is None:
                    inbox = self._nc.new_inbox()
                    self._sub = await self._nc.subscribe(inbox + ".*", cb=self._on_ack)
                    self._prefix = inbox + "."
        return self._prefix

    async def _on_ack(self, msg: Msg) -> None:
        future = self._waiting.pop(msg.subject[len(self._prefix) :], None)
        if future is None or future.done():
            return  # after its timeout: the round has gone on without it
        try:
            future.set_result(_ack(msg))
        except Exception as exc:
            future.set_exception(exc)

    async def close(self) -> None:
        """Stop listening for acks (what still waits times out)."""
        if self._sub is not None:
            with contextlib.suppress(Exception):
                await self._sub.unsubscribe()
            self._sub = None


def _ack(msg: Msg) -> dict[str, Any]:
    """The ack, or the error `js.publish` would have raised for this answer."""
    if not msg.data and msg.headers and msg.headers.get(_STATUS) == _NO_RESPONDERS:
        raise NoStreamResponseError
    answer = json.loads(msg.data)
    if not isinstance(answer, dict):
        raise APIError(description=f"not an ack: {msg.data[:200]!r}")
    if "error" in answer:
        raise APIError.from_error(answer["error"])
    if "stream" not in answer:
        raise APIError(description=f"not an ack: {msg.data[:200]!r}")
    return answer


def _retrieved(task: asyncio.Task[None]) -> None:
    """A publishing task's own failure went to its futures; nothing is left to log."""
    if not task.cancelled():
        task.exception()
