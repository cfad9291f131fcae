"""Webhook delivery is bounded: max_attempts, then `failed` and a retry by hand; an overall
deadline per attempt; a cap on the answer read; any Retry-After parsed safely.

The receivers are real HTTP servers on loopback; the retry goes through the notifier's
request/reply subjects, as `crm delivery retry` does.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from crm_shared.config import CrmConfig, config_from_data
from notifier.entrypoints.gauges import GaugeRefresher
from tests.notifier_support import (
    ROP,
    Receiver,
    config_data,
    open_task,
    rows,
    task,
    whsec,
)
from tests.services import running
from tests.support import Client, eventually

pytestmark = pytest.mark.usefixtures("notifier_fast")


def hook_config(url: str, secret: str, **webhook: Any) -> CrmConfig:
    """The РОП gets notifications by webhook at `url`, with these webhook settings."""
    data = config_data({ROP: [{"type": "webhook", "url": url, "secret": secret}]})
    data["webhook"] = {"timeout": 5, "max_attempts": 3, **webhook}
    return config_from_data(data, source="webhook limits test")


async def attempts(infra: Any) -> list[tuple[Any, ...]]:
    log = await rows(
        infra, "SELECT status_code, outcome FROM notifier.delivery_attempts ORDER BY id"
    )
    return [tuple(r) for r in log]


async def stays(check: Callable[[], bool], seconds: float = 1.0) -> None:
    """`check` holds throughout a bounded window (polled, not slept through)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        assert check()
        await asyncio.sleep(0.05)


async def test_max_attempts_then_failed_listed_and_retried_by_hand(
    clean: Any, client: Client, receiver: Receiver
) -> None:
    receiver.answer = lambda hit, n: (500, {})
    cfg = hook_config(receiver.url, receiver.secret)
    async with running(clean, "notifier", config=cfg) as [notifier]:
        await open_task(client, task(0.2))
        failed = await eventually(
            lambda: rows(clean, "SELECT id FROM notifier.deliveries WHERE status = 'failed'")
        )
        delivery_id = failed[0]["id"]
        # Given up: no fourth request comes.
        await stays(lambda: len(receiver.hits) == 3)
        assert await attempts(clean) == [(500, "retry"), (500, "retry"), (500, "failed")]
        metrics = notifier.runtime.metrics
        outcome = {"channel": "webhook", "outcome": "failed"}
        assert metrics.registry.get_sample_value("crm_notifications_total", outcome) == 1
        await GaugeRefresher(notifier.ctx).refresh()  # at once, not on its 15 s timer
        assert metrics.registry.get_sample_value("crm_deliveries_failed") == 1

        listed = await client.request("crm.query.notify.deliveries", {})
        assert listed["ok"] and listed["total"] == 1, listed
        [item] = listed["items"]
        assert (item["id"], item["status"], item["attempts"]) == (delivery_id, "failed", 3)
        assert item["target"] == receiver.url and item["last_error"] == "HTTP 500"

        receiver.answer = lambda hit, n: (200, {})
        reply = await client.request(
            "crm.cmd.notify.retry",
            {"actor_id": ROP, "delivery_ids": [delivery_id, "no-such-delivery"]},
        )
        assert reply["ok"], reply
        assert reply["retried"] == [delivery_id]
        assert reply["not_retried"] == [{"id": "no-such-delivery", "reason": "no such delivery"}]
        await eventually(receiver.accepted)
        await eventually(
            lambda: rows(clean, "SELECT 1 FROM notifier.deliveries WHERE status = 'delivered'")
        )
        again = await client.request(
            "crm.cmd.notify.retry", {"actor_id": ROP, "delivery_ids": [delivery_id]}
        )
        assert again["not_retried"] == [
            {"id": delivery_id, "reason": "it is delivered, not failed"}
        ]
        listed = await client.request("crm.query.notify.deliveries", {})
        assert listed["total"] == 0 and listed["items"] == []
    assert (await attempts(clean))[-1] == (200, "delivered")
    assert len({h.id for h in receiver.hits}) == 1  # the same webhook-id throughout


async def test_retry_all_gives_each_failed_delivery_one_more_attempt(
    clean: Any, client: Client, receiver: Receiver
) -> None:
    receiver.answer = lambda hit, n: (503, {})
    cfg = hook_config(receiver.url, receiver.secret, max_attempts=1)
    async with running(clean, "notifier", config=cfg):
        for _ in range(2):
            await open_task(client, task(0.2))
        await eventually(
            lambda: rows(
                clean,
                "SELECT 1 FROM notifier.deliveries WHERE status = 'failed' HAVING count(*) = 2",
            )
        )
        reply = await client.request("crm.cmd.notify.retry", {"actor_id": ROP, "all": True})
        assert len(reply["retried"]) == 2, reply
        # Still 503: each is tried once and is failed again, with no further retries.
        await eventually(lambda: len(receiver.hits) == 4)
        await eventually(
            lambda: rows(
                clean,
                "SELECT 1 FROM notifier.deliveries WHERE status = 'failed' AND attempts = 2 "
                "HAVING count(*) = 2",
            )
        )
        await stays(lambda: len(receiver.hits) == 4)


async def test_retry_requests_are_checked(clean: Any, client: Client) -> None:
    cfg = hook_config("http://127.0.0.1:9/hook", whsec())
    async with running(clean, "notifier", config=cfg):
        for body in (
            {"actor_id": ROP},  # neither ids nor all
            {"actor_id": ROP, "all": True, "delivery_ids": ["x"]},
            {"actor_id": ROP, "delivery_ids": []},
            {"actor_id": ROP, "delivery_ids": ["x" * 101]},
            {"actor_id": ROP, "delivery_ids": ["a\u0000b"]},
            {"actor_id": "\ud800", "all": True},
        ):
            reply = await client.request("crm.cmd.notify.retry", body)
            assert reply["error"]["code"] == "invalid", (body, reply)
        stranger = await client.request("crm.cmd.notify.retry", {"actor_id": "u9", "all": True})
        assert stranger["error"]["code"] == "not_found"
        for query in ({"status": "delivered"}, {"user_id": "\u0000"}, {"limit": 0}):
            bad = await client.request("crm.query.notify.deliveries", query)
            assert bad["error"]["code"] == "invalid", (query, bad)


async def test_garbage_retry_after_is_ignored(
    clean: Any, client: Client, receiver: Receiver
) -> None:
    # "²" is a digit to str.isdigit() but not to float(): it used to fail the attempt
    # itself, leaving the delivery stuck until its lease ran out.
    answers = [(503, {"Retry-After": "²"}), (429, {"Retry-After": "soon"}), (200, {})]
    receiver.answer = lambda hit, n: answers[min(n, 3) - 1]
    async with running(clean, "notifier", config=hook_config(receiver.url, receiver.secret)):
        await open_task(client, task(0.2))
        await eventually(receiver.accepted, timeout=10)
    assert await attempts(clean) == [(503, "retry"), (429, "retry"), (200, "delivered")]


# --- receivers that misbehave at the HTTP level ---------------------------------------------

Respond = Callable[[asyncio.StreamWriter], Awaitable[None]]


@contextlib.asynccontextmanager
async def raw_endpoint(respond: Respond) -> AsyncIterator[str]:
    """An HTTP endpoint that reads a request and answers with `respond(writer)`; its URL."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            length = next(
                int(line.split(b":", 1)[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            )
            await reader.readexactly(length)
            await respond(writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/hook"
    finally:
        server.close()


async def _trickle(writer: asyncio.StreamWriter) -> None:
    # A byte every 0.2 s: each read is quick enough for a per-read timeout, for a minute.
    for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nX-Slow: " + b"." * 300:
        writer.write(bytes([byte]))
        await writer.drain()
        await asyncio.sleep(0.2)


async def test_an_attempt_ends_at_its_deadline_however_the_receiver_trickles(
    clean: Any, client: Client
) -> None:
    async with raw_endpoint(_trickle) as url:
        cfg = hook_config(url, whsec(), timeout=1, max_attempts=1)
        async with running(clean, "notifier", config=cfg):
            await open_task(client, task(0.2))
            [row] = await eventually(
                lambda: rows(clean, "SELECT error, duration_ms FROM notifier.delivery_attempts")
            )
    assert row["error"] == "нет ответа за 1 с"
    assert row["duration_ms"] < 10_000  # the trickle alone would last a minute


def _endless(status: int) -> Respond:
    async def respond(writer: asyncio.StreamWriter) -> None:
        writer.write(f"HTTP/1.1 {status} X\r\nTransfer-Encoding: chunked\r\n\r\n".encode())
        chunk = b"x" * 65536
        frame = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
        for _ in range(100_000):  # 6.5 GB, unless the reader stops first
            writer.write(frame)
            await writer.drain()

    return respond


@pytest.mark.parametrize(("status", "outcome"), [(200, "delivered"), (500, "retry")])
async def test_only_the_start_of_an_endless_answer_is_read(
    clean: Any, client: Client, status: int, outcome: str
) -> None:
    async with raw_endpoint(_endless(status)) as url:
        # A long deadline: the attempt must end because reading stops, not because time ran out.
        cfg = hook_config(url, whsec(), timeout=60, max_attempts=2)
        async with running(clean, "notifier", config=cfg):
            await open_task(client, task(0.2))
            first = await eventually(
                lambda: rows(
                    clean,
                    "SELECT status_code, outcome, error FROM notifier.delivery_attempts "
                    "ORDER BY id LIMIT 1",
                ),
                timeout=30,
            )
    assert (first[0]["status_code"], first[0]["outcome"]) == (status, outcome)
    if status == 500:
        assert first[0]["error"] == "HTTP 500: " + "x" * 200  # an excerpt
