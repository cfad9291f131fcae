"""Webhook delivery: retries with backoff, Retry-After, 410 Gone, an endpoint that was down.

A real HTTP receiver checks every signature with the `standardwebhooks` package.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.notifier_support import (
    ROP,
    Answer,
    Hit,
    Receiver,
    config,
    free_port,
    open_task,
    rows,
    task,
    whsec,
)
from tests.services import running
from tests.support import Client, eventually, steady

pytestmark = pytest.mark.usefixtures("notifier_fast")


def notifier_for(r: Receiver) -> Any:
    """A configuration whose РОП has the bus and the receiver as channels."""
    hook = {"type": "webhook", "url": r.url, "secret": r.secret}
    return config({ROP: [{"type": "bus"}, hook]})


def scripted(*answers: tuple[int, dict[str, str]]) -> Answer:
    """Answer the n-th request of a webhook-id with answers[n-1] (the last one repeats)."""

    def answer(hit: Hit, n: int) -> tuple[int, dict[str, str]]:
        return answers[min(n, len(answers)) - 1]

    return answer


async def attempts(infra: Any) -> list[tuple[Any, ...]]:
    """(status_code, outcome) of every logged attempt, oldest first."""
    log = await rows(
        infra, "SELECT status_code, outcome FROM notifier.delivery_attempts ORDER BY id"
    )
    return [tuple(r) for r in log]


async def test_500_then_200_is_retried_and_delivered_once(
    clean: Any, client: Client, receiver: Receiver
) -> None:
    receiver.answer = scripted((500, {}), (500, {}), (200, {}))
    async with running(clean, "notifier", config=notifier_for(receiver)):
        await open_task(client, task(0.2))
        await eventually(receiver.accepted)
        await steady(lambda: len(receiver.hits) <= 3, 0.4)  # and no call after the 200
    assert [h.status for h in receiver.hits] == [500, 500, 200]
    assert len({h.id for h in receiver.hits}) == 1  # one webhook-id across the retries
    assert all(h.error is None for h in receiver.hits)  # every attempt freshly signed
    assert await attempts(clean) == [(500, "retry"), (500, "retry"), (200, "delivered")]
    [row] = await rows(clean, "SELECT status, attempts FROM notifier.deliveries")
    assert tuple(row) == ("delivered", 3)


async def test_429_retry_after_is_honoured(clean: Any, client: Client, receiver: Receiver) -> None:
    receiver.answer = scripted((429, {"Retry-After": "1"}), (200, {}))
    async with running(clean, "notifier", config=notifier_for(receiver)):
        await open_task(client, task(0.2))
        await eventually(receiver.accepted)
    first, second = receiver.hits
    # Our own backoff would be ~0.1 s: only the receiver's Retry-After explains the pause.
    assert second.at - first.at >= 0.95
    assert await attempts(clean) == [(429, "retry"), (200, "delivered")]


async def test_410_disables_the_endpoint(clean: Any, client: Client, receiver: Receiver) -> None:
    receiver.answer = scripted((410, {}))
    notes = await client.record(f"crm.notify.{ROP}")
    async with running(clean, "notifier", config=notifier_for(receiver)):
        await open_task(client, task(0.2))
        await eventually(lambda: rows(clean, "SELECT 1 FROM notifier.disabled_endpoints"))
        later = task(0.2)
        await open_task(client, later)
        # The bus still carries the later notification; the endpoint is not called again.
        await eventually(lambda: len(notes.data(f"crm.notify.{ROP}")) == 2)
        await eventually(
            lambda: rows(
                clean,
                "SELECT 1 FROM notifier.deliveries WHERE status = 'disabled' HAVING count(*) = 2",
            )
        )
        await steady(lambda: len(receiver.hits) <= 1, 0.3)  # no call after the 410
    assert [h.status for h in receiver.hits] == [410]
    [endpoint] = await rows(clean, "SELECT url, user_id FROM notifier.disabled_endpoints")
    assert tuple(endpoint) == (receiver.url, ROP)
    assert await attempts(clean) == [(410, "disabled"), (None, "disabled")]


async def test_receiver_down_then_up_gets_each_notification_once(
    clean: Any, client: Client
) -> None:
    receiver = Receiver(whsec(), port=free_port())  # nothing listens there yet
    tasks = [task(0.2) for _ in range(3)]
    try:
        async with running(clean, "notifier", config=notifier_for(receiver)):
            for t in tasks:
                await open_task(client, t)

            async def failed_twice_each() -> bool:
                log = await rows(
                    clean,
                    "SELECT delivery_id FROM notifier.delivery_attempts WHERE outcome = 'retry' "
                    "GROUP BY delivery_id HAVING count(*) >= 2",
                )
                return len(log) == 3

            await eventually(failed_twice_each)
            await receiver.start()
            await eventually(lambda: len(receiver.accepted()) == 3)
            await steady(lambda: len(receiver.hits) <= 3, 0.5)  # and no extra call
    finally:
        await receiver.stop()
    assert len(receiver.hits) == 3
    assert len({h.id for h in receiver.hits}) == 3
    delivered = sorted(h.payload["data"]["task"]["id"] for h in receiver.accepted())
    assert delivered == sorted(t["id"] for t in tasks)
    pending = await rows(clean, "SELECT 1 FROM notifier.deliveries WHERE status <> 'delivered'")
    assert not pending
