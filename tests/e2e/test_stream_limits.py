"""Stream limits come from the configuration, and a service start never overwrites an operator's."""

from __future__ import annotations

import contextlib
from datetime import timedelta
from typing import Any

import nats
import pytest
from nats.js.api import StreamConfig
from pydantic import ByteSize

from crm_shared.config import StreamSettings
from crm_shared.machinery.bus import EVERY_STREAM, STREAMS, StreamStorageError, ensure_streams
from tests.configs import config_with
from tests.services import running
from tests.support import Client

MiB = 1024**2


async def _delete_streams(client: Client) -> None:
    for name in EVERY_STREAM:
        with contextlib.suppress(Exception):
            await client.js.delete_stream(name)


async def test_a_service_creates_streams_with_the_configured_limits(
    clean: Any, client: Client
) -> None:
    def limits(data: dict[str, Any]) -> None:
        data["streams"] = {"max_bytes": "64MiB", "dead_letter_max_age": "P7D", "max_age": "P90D"}

    await _delete_streams(client)
    async with running(clean, "task-service", config=config_with(change=limits)):
        for name in STREAMS:
            info = await client.js.stream_info(name)
            assert info.config.max_bytes == 64 * MiB, name
            days = 7 if name == "CRM_DLQ" else 90
            expected_age = timedelta(days=days).total_seconds()
            assert (info.config.max_age or 0) == expected_age, name


async def test_default_limits_bound_every_stream(clean: Any, client: Client) -> None:
    # `clean` created the streams as a service would, with the shipped defaults.
    for name in STREAMS:
        info = await client.js.stream_info(name)
        assert info.config.max_bytes == 1024 * MiB, name
    dlq = await client.js.stream_info("CRM_DLQ")
    assert dlq.config.max_age == timedelta(days=30).total_seconds()


async def test_limits_an_operator_set_survive_a_service_start(clean: Any, client: Client) -> None:
    # As `nats stream edit CRM_DLQ --max-age 2h --max-bytes 5MiB` would.
    edited = {}
    for name in ("CRM_DLQ", "CRM_EVENTS"):
        config = (await client.js.stream_info(name)).config
        config.max_age = 7200.0
        config.max_bytes = 5 * MiB
        config.max_msgs = 100_000
        edited[name] = (await client.js.update_stream(config)).config
    async with running(clean, "deal-service", "task-service", "notifier"):
        for name, before in edited.items():
            after = (await client.js.stream_info(name)).config
            assert (after.max_age, after.max_bytes, after.max_msgs) == (7200.0, 5 * MiB, 100_000)
            assert after.subjects == before.subjects


async def test_a_missing_subject_is_added_and_the_stream_keeps_its_limits(
    clean: Any, infra: Any
) -> None:
    nc = await nats.connect(infra.nats_url)
    try:
        js = nc.jetstream()
        await js.delete_stream("CRM_EVENTS")
        # A stream from an older version: one subject fewer, and an operator's max_age.
        await js.add_stream(StreamConfig(name="CRM_EVENTS", subjects=["crm.deal.>"], max_age=600))
        await ensure_streams(js)
        config = (await js.stream_info("CRM_EVENTS")).config
        assert config.subjects == ["crm.deal.>", "crm.task.>"]
        assert config.max_age == 600.0
        assert not config.max_bytes or config.max_bytes < 0  # not given the default either
    finally:
        await nc.close()


async def test_limits_the_server_has_no_room_for_are_refused_with_a_message(
    clean: Any, client: Client
) -> None:
    await _delete_streams(client)
    huge = StreamSettings(max_bytes=ByteSize(1024**5))  # a pebibyte per stream
    with pytest.raises(StreamStorageError, match=r"stream CRM_\w+: .*Lower streams.max_bytes"):
        await ensure_streams(client.js, limits=huge)
