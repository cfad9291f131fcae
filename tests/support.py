"""Test helpers: a bus client that speaks the event API, and polling until an effect shows."""

from __future__ import annotations

import asyncio
import base64
import json
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import nats
from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg
from nats.errors import NoRespondersError


async def eventually(
    check: Callable[[], Awaitable[Any]] | Callable[[], Any],
    timeout: float = 15.0,
    interval: float = 0.05,
) -> Any:
    """Poll `check` until it returns something truthy (end-to-end tests wait, never sleep)."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = check()
            if asyncio.iscoroutine(last):
                last = await last
        except (NoRespondersError, TimeoutError) as exc:  # the service is still starting
            last = exc
            await asyncio.sleep(interval)
            continue
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s (last value: {last!r})")


async def steady(check: Callable[[], Any], window: float, interval: float = 0.05) -> None:
    """Poll `check` over a bounded window of `window` seconds: it must hold all along.

    How a test shows that nothing (more) happens: not one sleep and a look afterwards, but
    a look every `interval` that fails at the first moment the condition breaks.
    """
    deadline = time.monotonic() + window
    while True:
        last = check()
        if asyncio.iscoroutine(last):
            last = await last
        assert last, f"condition broken within the {window}s window (value: {last!r})"
        if time.monotonic() >= deadline:
            return
        await asyncio.sleep(interval)


class Recorder:
    """Collects every message on a subject pattern (core NATS: sees what the streams store)."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, dict[str, Any]]] = []

    async def cb(self, msg: Msg) -> None:
        try:
            body = json.loads(msg.data)
            if not isinstance(body, dict):
                body = {"raw": body}
        except (ValueError, RecursionError):
            body = {"raw": msg.data.decode(errors="replace")}
        self.messages.append((msg.subject, body))

    def of(self, subject: str) -> list[dict[str, Any]]:
        """Bodies received on exactly `subject`."""
        return [b for s, b in self.messages if s == subject]

    def data(self, subject: str) -> list[dict[str, Any]]:
        """The CloudEvent `data` of each event on `subject`."""
        return [b["data"] for b in self.of(subject)]


class Client:
    """What an integrator would write with plain nats-py."""

    def __init__(self, nc: NatsClient) -> None:
        self.nc = nc
        self.js = nc.jetstream()

    @classmethod
    async def connect(cls, url: str) -> Client:
        return cls(await nats.connect(url))

    async def close(self) -> None:
        await self.nc.close()

    async def request(self, subject: str, body: dict[str, Any] | bytes) -> dict[str, Any]:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        # Right after a service (re)starts the server may briefly answer "no responders"
        # although the subscription is registered (nats-server #2876): retry for a moment.
        for attempt in range(40):
            try:
                reply = await self.nc.request(subject, raw, timeout=10)
                break
            except NoRespondersError:
                if attempt == 39:
                    raise
                await asyncio.sleep(0.05)
        result: dict[str, Any] = json.loads(reply.data)
        return result

    async def record(self, subject: str) -> Recorder:
        rec = Recorder()
        await self.nc.subscribe(subject, cb=rec.cb)
        await self.nc.flush()
        return rec

    async def publish_lead(
        self,
        *,
        source: str = "site",
        external_id: str | None = None,
        msg_id: str | None = None,
        **fields: Any,
    ) -> str:
        """Publish a lead in a CloudEvents envelope; returns its external id."""
        external_id = external_id or str(uuid.uuid4())
        fields.setdefault("contact", {"name": "Пётр Сидоров"})
        event = {
            "specversion": "1.0",
            "id": msg_id or str(uuid.uuid4()),
            "source": f"test/{source}",
            "type": "crm.lead.received.v1",
            "data": {"source": source, "external_id": external_id, **fields},
        }
        await self.js.publish(
            "crm.lead.received", json.dumps(event).encode(), headers={"Nats-Msg-Id": event["id"]}
        )
        return external_id

    async def deals(self, **filters: Any) -> list[dict[str, Any]]:
        reply = await self.request(
            "crm.query.deal.list", {"actor_id": "rop-1", "limit": 500, **filters}
        )
        assert reply["ok"], reply
        items: list[dict[str, Any]] = reply["items"]
        return items

    async def deal_by_external(self, external_id: str) -> dict[str, Any] | None:
        for deal in await self.deals():
            if deal["external_id"] == external_id:
                return deal
        return None

    async def cmd(self, name: str, **body: Any) -> dict[str, Any]:
        return await self.request(f"crm.cmd.{name}", body)

    async def deal_for(self, responsible: str, **fields: Any) -> dict[str, Any]:
        """A deal made by the РОП (rop-1) over the bus, `responsible`'s."""
        fields.setdefault("contact", {"name": "Пётр"})
        reply = await self.cmd(
            "deal.create", actor_id="rop-1", responsible_id=responsible, **fields
        )
        assert reply["ok"], reply
        deal: dict[str, Any] = reply["deal"]
        return deal


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


# Paging cursors a client could forge: each well-formed enough to get past the base64 and
# the split, each holding what PostgreSQL would refuse as a query argument (issue 10).
FORGED_CURSORS = {
    "deal cursor with a NUL": _b64("2026-01-01T00:00:00+00:00|a\x00b"),
    "deal cursor before year 1 in UTC": _b64("0001-01-01T00:00:00+01:00|x"),
    "deal cursor after 9999 in UTC": _b64("9999-12-31T23:00:00-02:00|x"),
    "deal cursor without an offset": _b64("2026-01-01T00:00:00|x"),
    "task cursor over bigint": _b64("task:99999999999999999999999"),
    "task cursor with a NUL": _b64("task:1\x00"),
    "task cursor below 1": _b64("task:-9223372036854775809"),
    "notify cursor over bigint": _b64("notify:9223372036854775808"),
    "notify cursor with a NUL": _b64("notify\x00:1"),
}
