"""A steady stream of leads, as a source system sends them: retried until acknowledged.

A publish that gets no ack (NATS restarting, a timeout) is sent again with the same
`Nats-Msg-Id`, as an integrator would, so the stream keeps one copy. A lead counts as
accepted once JetStream acknowledged it; those are the leads that must become deals.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import time
import uuid
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any

import nats
from nats.aio.client import Client as NatsClient

from bench.load import LEAD_SUBJECT, lead

SOURCE = "faults"


@dataclass
class LeadStream:
    """Publishes leads at `rate` per second until stopped; remembers what was accepted."""

    nats_url: str
    prefix: str
    rate: float = 40.0
    accepted: set[str] = field(default_factory=set)
    extra_copies: int = 0
    poison_sent: list[str] = field(default_factory=list)
    # Message ids of poison sent with `send_poison`, found again in the dead letters' headers.
    poison_ids: set[str] = field(default_factory=set)
    publish_retries: int = 0
    _stopping: bool = False
    _nc: NatsClient | None = None
    _pending: set[asyncio.Task[None]] = field(default_factory=set)

    async def start(self) -> None:
        """Connect (reconnecting for ever: NATS may be restarted under us)."""
        self._nc = await nats.connect(
            self.nats_url, max_reconnect_attempts=-1, reconnect_time_wait=0.2, error_cb=_unsaid
        )

    async def run(self, seconds: float, *, poison_every: int = 0, dup_every: int = 0) -> None:
        """Send for `seconds`; every `poison_every`-th message is poison, every
        `dup_every`-th lead is sent again later under a new message id."""
        start = time.monotonic()
        n = 0
        while not self._stopping and time.monotonic() - start < seconds:
            n += 1
            ext = f"{self.prefix}-{n}"
            if poison_every and n % poison_every == 0:
                self._spawn(self._send(f"poison:{ext}", _poison(ext, n), track=False))
                self.poison_sent.append(ext)
            else:
                self._spawn(self._send(ext, lead(ext, n, source=SOURCE)))
                if dup_every and n % dup_every == 0:
                    self._spawn(self._duplicate(ext, n))
            delay = start + n / self.rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
        await self.drain()

    def send_poison(self, name: str, body: bytes) -> None:
        """Send one poison body (beside the stream) under the message id `poison-<name>`."""
        msg_id = f"poison-{name}"
        self.poison_sent.append(name)
        self.poison_ids.add(msg_id)
        self._spawn(self._send(f"poison:{name}", body, track=False, msg_id=msg_id))

    async def drain(self) -> None:
        """Wait until every send in flight is acknowledged."""
        while self._pending:
            await asyncio.gather(*list(self._pending), return_exceptions=True)

    async def close(self) -> None:
        """Stop and disconnect."""
        self._stopping = True
        await self.drain()
        if self._nc is not None:
            with contextlib.suppress(Exception):
                await self._nc.close()

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(coro)
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _send(
        self, ext: str, body: bytes, *, track: bool = True, msg_id: str | None = None
    ) -> None:
        """Publish until acknowledged, always under the same message id."""
        assert self._nc is not None
        js = self._nc.jetstream(timeout=2)
        if msg_id is None:
            try:
                msg_id = str(json.loads(body)["id"])
            except (ValueError, KeyError, TypeError, RecursionError):
                msg_id = f"raw-{ext}"
        for attempt in range(600):
            try:
                await js.publish(LEAD_SUBJECT, body, headers={"Nats-Msg-Id": msg_id})
            except Exception:  # no ack: NATS restarting, or a slow ack
                self.publish_retries += 1
                await asyncio.sleep(min(0.1 * 2**attempt, 1.0))
                continue
            if track:
                self.accepted.add(ext)
            return
        raise RuntimeError(f"lead {ext} not accepted after 600 attempts")

    async def _duplicate(self, ext: str, n: int) -> None:
        """The same lead (source, external_id) again under a new message id, a little later."""
        await asyncio.sleep(random.uniform(0, 2))
        self.extra_copies += 1
        await self._send(ext, lead(ext, n, source=SOURCE, msg_id=str(uuid.uuid4())))


async def _unsaid(exc: Exception) -> None:
    """nats-py's default prints a traceback per reconnection attempt; a fault that stops the
    server for a minute would fill the run's output with them (the retries are counted)."""


def _poison(ext: str, n: int) -> bytes:
    """A message deal-service must dead-letter; each kind names itself with POISON."""
    kind = n % 5
    if kind == 0:
        return f"POISON {ext}: not JSON at all".encode()
    if kind == 1:  # an envelope whose data is not a lead
        body: dict[str, object] = {"specversion": "1.0", "id": str(uuid.uuid4())}
        body |= {"source": "faults/poison", "type": "crm.lead.received.v1"}
        return json.dumps(body | {"data": {"POISON": ext}}).encode()
    data: dict[str, object] = {"source": SOURCE, "external_id": f"POISON-{ext}"}
    if kind == 2:
        data["contact"] = {"name": "POISON", "phone": "not a phone at all"}
    elif kind == 3:
        data["contact"] = {"name": "POISON"}
        data["responsible_id"] = "nobody-POISON"
    else:
        data["contact"] = {"name": "POISON " + "x" * 70_000}  # over the 64 KiB limit
    event: dict[str, object] = {"specversion": "1.0", "id": str(uuid.uuid4())}
    event["source"] = "faults/poison"
    event |= {"type": "crm.lead.received.v1", "data": data}
    return json.dumps(event).encode()
