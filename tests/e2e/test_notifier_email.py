"""E-mail channel: a mail server that is down delays a notification, never loses it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.notifier_support import (
    ROP,
    Mailbox,
    config,
    open_task,
    rows,
    task,
    tls_server,
)
from tests.services import running
from tests.support import Client, eventually, steady

pytestmark = pytest.mark.usefixtures("notifier_fast")


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
            await steady(lambda: len(mailbox.messages) <= 1, 0.4)  # no second mail
    [mail] = mailbox.messages
    assert mail["Subject"] == "CRM: просрочена задача"
    assert "«Ольга. Отправить счет на оплату»" in mail.get_content()
    [row] = await rows(clean, "SELECT status FROM notifier.deliveries")
    assert row["status"] == "delivered"


def _mail_to_rop(mailbox: Mailbox, **smtp: Any) -> Any:
    channels = {ROP: [{"type": "email", "address": "rop@example.ru"}]}
    return config(channels, smtp_port=mailbox.port, smtp=smtp)


async def test_starttls_is_used_when_the_server_offers_it(
    clean: Any, client: Client, tmp_path: Path
) -> None:
    tls, cert = tls_server(tmp_path)
    # The server refuses mail on a plain session: only an upgraded one can deliver.
    with Mailbox(tls, require_tls=True) as mailbox:
        async with running(clean, "notifier", config=_mail_to_rop(mailbox, ca_file=str(cert))):
            await open_task(client, task(0.2))
            await eventually(lambda: mailbox.messages)
    assert mailbox.tls_sessions == [True]


async def test_starttls_can_be_switched_off(clean: Any, client: Client, tmp_path: Path) -> None:
    tls, _ = tls_server(tmp_path)
    # Offered but not required: with starttls false the mail goes in plain text, and the
    # certificate (which the notifier could not verify) is never looked at.
    with Mailbox(tls) as mailbox:
        async with running(clean, "notifier", config=_mail_to_rop(mailbox, starttls=False)):
            await open_task(client, task(0.2))
            await eventually(lambda: mailbox.messages)
    assert mailbox.tls_sessions == [False]


async def test_a_server_without_starttls_still_gets_mail_by_default(
    clean: Any, client: Client
) -> None:
    with Mailbox() as mailbox:
        async with running(clean, "notifier", config=_mail_to_rop(mailbox)):
            await open_task(client, task(0.2))
            await eventually(lambda: mailbox.messages)
    assert mailbox.tls_sessions == [False]
