"""E-mail channel: a mail server that is down delays a notification, never loses it."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.notifier_support import FAST_ENV, ROP, Mailbox, config, open_task, rows, task
from tests.services import running
from tests.support import Client, eventually


@pytest.fixture(autouse=True)
def _fast(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in FAST_ENV.items():
        monkeypatch.setenv(name, value)


async def test_mail_server_down_then_up_delivers_once(clean: Any, client: Client) -> None:
    mailbox = Mailbox()  # its port is chosen, nothing listens there yet
    cfg = config({ROP: [{"type": "email", "address": "rop@example.ru"}]}, smtp_port=mailbox.port)
    t = task(0.2, title="Ольга. Отправить счет на оплату")
    async with running(clean, "notifier", config=cfg):
        await open_task(client, t)
        await eventually(
            lambda: rows(
                clean,
                "SELECT 1 FROM notifier.delivery_attempts WHERE outcome = 'retry' "
                "HAVING count(*) >= 2",
            )
        )
        with mailbox:
            await eventually(lambda: mailbox.messages)
            await asyncio.sleep(0.4)
    [mail] = mailbox.messages
    assert mail["Subject"] == "CRM: просрочена задача"
    assert "«Ольга. Отправить счет на оплату»" in mail.get_content()
    [row] = await rows(clean, "SELECT status FROM notifier.deliveries")
    assert row["status"] == "delivered"
