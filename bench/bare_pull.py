"""The bare pipeline's way of pulling: pull requests kept standing, written plainly.

nats-py's `fetch` asks anew for every batch (a pull request, the messages, a closing status)
and, once the stream had nothing, waits for a whole batch until its timeout; polling it with
a short timeout costs a request a poll even when nothing comes. A ceiling should not pay
for that, at saturation or at a trickle, so the bare stages ask as JetStream's protocol
allows: a request for `batch` messages on `$JS.API.CONSUMER.MSG.NEXT.<stream>.<durable>`,
answered on an inbox of ours, asked again when half of it is used or it has expired. Our
services do the same (crm_shared.machinery.pull, which also keeps track of each request);
this is the least that does it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time

from nats.aio.client import Client
from nats.aio.msg import Msg

EXPIRES = 2.0  # seconds a request stands on the server


class StandingPull:
    """Pull requests standing on one durable consumer; `next_batch` takes what has come."""

    def __init__(self, nc: Client, stream: str, durable: str, batch: int) -> None:
        self._nc, self._batch = nc, batch
        self._next = f"$JS.API.CONSUMER.MSG.NEXT.{stream}.{durable}"
        self._inbox = nc.new_inbox()
        self._queue: list[Msg] = []
        self._arrived = asyncio.Event()
        self._due, self._asked_at = 0, 0.0

    async def start(self) -> None:
        """Subscribe to our inbox; the requests go out from `next_batch`."""
        await self._nc.subscribe(
            self._inbox, cb=self._on_msg, pending_msgs_limit=-1, pending_bytes_limit=-1
        )

    async def next_batch(self) -> list[Msg]:
        """At least one message, at most a batch: what has arrived, or the next to arrive."""
        while True:
            if self._due <= self._batch // 2 or time.monotonic() - self._asked_at > EXPIRES:
                self._due += self._batch
                self._asked_at = time.monotonic()
                request = {"batch": self._batch, "expires": int(EXPIRES * 1e9)}
                await self._nc.publish(self._next, json.dumps(request).encode(), self._inbox)
            if self._queue:
                msgs, self._queue = self._queue[: self._batch], self._queue[self._batch :]
                return msgs
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), EXPIRES / 2)

    async def _on_msg(self, msg: Msg) -> None:
        if msg.headers and not msg.reply:  # a status: 408 expired, 409, 100 heartbeat
            if msg.headers.get("Status") != "100":
                self._due = 0
        else:
            self._due -= 1
            self._queue.append(msg)
        self._arrived.set()
