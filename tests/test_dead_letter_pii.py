"""The dead-letter reason header carries no phone number or e-mail address."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from nats.aio.msg import Msg

from crm_shared.bus import dead_letter
from tests.support import Client


async def test_reason_header_is_masked_and_the_original_kept_for_replay(
    clean: Any, client: Client
) -> None:
    got: asyncio.Future[Msg] = asyncio.get_running_loop().create_future()

    async def take(msg: Msg) -> None:
        if not got.done():
            got.set_result(msg)

    sub = await client.nc.subscribe("test.pii", cb=take)
    body = b'{"contact": {"phone": "+7 912 345-67-89", "email": "ivan.petrov@example.ru"}}'
    await client.nc.publish("test.pii", body)
    msg = await asyncio.wait_for(got, 10)
    await sub.unsubscribe()
    reason = "contact: +7 912 345-67-89 / ivan.petrov@example.ru already belongs to deal-7"
    await dead_letter(client.js, "test-service", msg, reason)
    stored = await client.js.get_last_msg("CRM_DLQ", "crm.dlq.test-service")
    header = (stored.headers or {})["Crm-Dlq-Reason"]
    assert header == "contact: +* *** ***-**-89 / i***@example.ru already belongs to deal-7"
    letter = json.loads(stored.data or b"")
    assert letter["reason"] == header
    assert letter["original"] == body.decode()  # a replay needs the lead as it came
