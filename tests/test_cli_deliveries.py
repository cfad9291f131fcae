"""`crm delivery list / retry` against a running notifier and a real webhook receiver."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from crm_shared.config import config_from_data
from tests.notifier_support import (
    FAST_ENV,
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
from tests.test_cli import crm, crm_json


@pytest.fixture(autouse=True)
def _fast(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in FAST_ENV.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    r = Receiver(whsec())
    await r.start()
    yield r
    await r.stop()


async def test_a_failed_delivery_is_listed_and_retried_from_the_command_line(
    clean: Any, client: Client, receiver: Receiver
) -> None:
    receiver.answer = lambda hit, n: (500, {})
    data = config_data({ROP: [{"type": "webhook", "url": receiver.url, "secret": receiver.secret}]})
    data["webhook"] = {"max_attempts": 2}
    async with running(clean, "notifier", config=config_from_data(data, source="cli test")):
        await open_task(client, task(0.2))
        await eventually(
            lambda: rows(clean, "SELECT 1 FROM notifier.deliveries WHERE status = 'failed'")
        )
        listed = await crm(clean, "delivery", "list")
        assert listed.exit_code == 0, listed.output
        [item] = (await crm_json(clean, "delivery", "list"))["items"]
        assert item["id"] in listed.stdout and "HTTP 500" in listed.stdout
        assert "1 of 1 failed deliveries" in listed.stderr

        nobody = await crm(clean, "delivery", "retry", "--all")
        assert nobody.exit_code == 2 and "--as" in nobody.stderr
        neither = await crm(clean, "delivery", "retry", actor=ROP)
        assert neither.exit_code == 2
        unknown = await crm(clean, "delivery", "retry", "nope", actor=ROP)
        assert unknown.exit_code == 1 and "nope: no such delivery" in unknown.stderr

        receiver.answer = lambda hit, n: (200, {})
        retried = await crm(clean, "delivery", "retry", item["id"], actor=ROP)
        assert retried.exit_code == 0, retried.output
        assert f"{item['id']} will be tried again now" in retried.stdout
        await eventually(receiver.accepted)
        empty = await crm_json(clean, "delivery", "list")
        assert empty["total"] == 0
