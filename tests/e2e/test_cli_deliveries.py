"""`crm delivery list / retry` against a running notifier and a real webhook receiver."""

from __future__ import annotations

from typing import Any

import pytest

from crm_shared.config import config_from_data
from tests.cli_support import crm, crm_json, fits
from tests.notifier_support import (
    ROP,
    Receiver,
    config_data,
    open_task,
    rows,
    task,
)
from tests.services import running
from tests.support import Client, eventually

pytestmark = pytest.mark.usefixtures("notifier_fast")


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
        [item] = (await crm_json(clean, "delivery", "list"))["items"]
        # A short id leaves room for the recipient even at 80 columns.
        headers = ("№", "канал", "кому", "последняя ошибка")
        for listed in await fits(clean, headers, "delivery", "list"):
            assert item["id"][:8] in listed and item["id"] not in listed
            assert "HTTP 500" in listed and ROP in listed.split()
        counted = await crm(clean, "delivery", "list")
        assert "1 из 1 неудавшихся доставок" in counted.stderr

        nobody = await crm(clean, "delivery", "retry", "--all", actor=None)
        assert nobody.exit_code == 2 and "--as" in nobody.stderr
        neither = await crm(clean, "delivery", "retry", actor=ROP)
        assert neither.exit_code == 2
        unknown = await crm(clean, "delivery", "retry", "nope", actor=ROP)
        assert unknown.exit_code == 1 and "nope: такой доставки нет" in unknown.stderr
        other = "0" if item["id"][0] != "0" else "1"
        no_prefix = await crm(clean, "delivery", "retry", other, actor=ROP)
        assert no_prefix.exit_code == 1
        assert "Нет неудавшейся доставки с id, который начинается на" in no_prefix.stderr

        receiver.answer = lambda hit, n: (200, {})
        retried = await crm(clean, "delivery", "retry", item["id"][:8], actor=ROP)
        assert retried.exit_code == 0, retried.output
        assert f"{item['id']}: повторим сейчас" in retried.stdout
        await eventually(receiver.accepted)
        empty = await crm_json(clean, "delivery", "list")
        assert empty["total"] == 0
