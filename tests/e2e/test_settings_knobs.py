"""The fault runs' knobs reach the streams and the durable consumers through the settings
(ServiceSettings.from_env), not through reads of the environment deep in shared modules."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest

from crm_shared.machinery.bus import EVERY_STREAM
from deal_service.handlers.leads import CONSUMER
from tests.services import running
from tests.support import Client


async def test_ack_wait_and_duplicate_window_come_from_the_settings(
    clean: Any, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CRM_ACK_WAIT_SECONDS", "7")
    monkeypatch.setenv("CRM_DUPLICATE_WINDOW_SECONDS", "9")
    for name in EVERY_STREAM:  # the service creates them, as on a fresh server
        with contextlib.suppress(Exception):
            await client.js.delete_stream(name)
    async with running(clean, "deal-service"):
        stream = await client.js.stream_info("CRM_LEADS")
        durable = await client.js.consumer_info("CRM_LEADS", CONSUMER)
    assert stream.config.duplicate_window == 9
    assert durable.config.ack_wait == 7
