"""The CRM's JetStream streams: which there are, and creating them (ensure_streams)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from nats.js import JetStreamContext
from nats.js.api import StorageType, StreamConfig, StreamSource
from nats.js.errors import BadRequestError, NotFoundError, ServerError

from crm_shared.config import StreamSettings

log = logging.getLogger(__name__)

# A re-published event (same Nats-Msg-Id) within this window is dropped by the stream. The
# outbox relay republishes only what it could not delete after a publish, seconds later.
DUPLICATE_WINDOW = timedelta(minutes=2)
# Fault runs shorten it (ServiceSettings.duplicate_window_seconds) to show that a republish
# after the window has passed is still applied once: the consumers' inboxes catch what the
# stream lets by.


STREAMS: dict[str, list[str]] = {
    "CRM_LEADS": ["crm.lead.received"],
    "CRM_EVENTS": ["crm.deal.>", "crm.task.>"],
    "CRM_NOTIFY": ["crm.notify.>"],
    "CRM_DLQ": ["crm.dlq.>"],
}
DLQ_STREAM = "CRM_DLQ"
# Mirrors (same messages, same sequence numbers) that a reader other than the services follows
# with its own consumers: the gateway's live feed reads CRM_EVENTS_FEED. Its NATS user may
# create ephemeral consumers there only, so it never touches the services' durable consumers
# on CRM_EVENTS (a create request naming an existing consumer updates it).
MIRRORS: dict[str, str] = {"CRM_EVENTS_FEED": "CRM_EVENTS"}
# Every stream, in the order to delete them (a mirror before its origin).
EVERY_STREAM: list[str] = [*MIRRORS, *STREAMS]


async def ensure_streams(
    js: JetStreamContext,
    *,
    replicas: int = 1,
    limits: StreamSettings | None = None,
    duplicate_window: timedelta = DUPLICATE_WINDOW,
    update: bool = True,
) -> None:
    """Create the project's streams that are missing (idempotent; every service calls it at start).

    A stream is created with `limits` (the configuration's `streams` section; its defaults
    when None): `max_bytes` on each, `dead_letter_max_age` on CRM_DLQ, `max_age` on the
    others. A stream that exists
    keeps its own configuration, limits included, so that what an operator set survives a
    service start; it is only updated to take a subject it lacks, or to more replicas.
    A service passes its settings' `stream_replicas` (CRM_STREAM_REPLICAS, 1) and
    `duplicate_window_seconds`. An existing stream is never scaled down: a service starting
    with the default must not turn an operator's R3 streams into R1. The MIRRORS follow.
    `update=False` (services: may create a stream, not change one) only says so in the log.
    """
    limits = limits or StreamSettings()
    for name, subjects in STREAMS.items():
        try:
            info = await js.stream_info(name)
        except NotFoundError:
            await _create_stream(
                js, _stream_config(name, subjects, replicas, limits, duplicate_window)
            )
            continue
        config = info.config
        have = list(config.subjects or [])
        missing = [subject for subject in subjects if subject not in have]
        current = config.num_replicas or 1
        if (missing or current < replicas) and not update:
            log.warning("stream %s needs an update by crm-admin: %s", name, missing or replicas)
        elif missing or current < replicas:
            config.subjects = have + missing
            config.num_replicas = max(current, replicas)
            await js.update_stream(config)
    for name, origin in MIRRORS.items():
        try:
            await js.stream_info(name)
        except NotFoundError:
            mirror = StreamConfig(
                name=name,
                mirror=StreamSource(name=origin),
                storage=StorageType.FILE,
                num_replicas=replicas,
                max_bytes=int(limits.max_bytes),
            )
            await _create_stream(js, mirror)


async def _create_stream(js: JetStreamContext, config: StreamConfig, attempts: int = 20) -> None:
    """Create a stream that was not there.

    A replica may create it at the same moment (the server then says it exists). Right after
    a stream of that name was deleted, the server may still be removing its files and answer
    "error creating store for stream" (500) for a moment: that is tried again, for about two
    seconds, before it is raised.
    """
    for attempt in range(attempts):
        try:
            with contextlib.suppress(BadRequestError):
                await js.add_stream(config)
            return
        except ServerError as exc:
            if exc.err_code == _NO_STORAGE:
                raise StreamStorageError(
                    f"stream {config.name}: the NATS server cannot reserve streams.max_bytes "
                    f"= {config.max_bytes} bytes for it ({exc.description}). Lower "
                    "streams.max_bytes in the configuration, or give JetStream more room "
                    "(max_file_store, or free disk space: its default is 75% of what is free)"
                ) from None
            if attempt == attempts - 1:
                raise
            await asyncio.sleep(0.1)


class StreamStorageError(RuntimeError):
    """The server cannot reserve a new stream's max_bytes: the limits must fit its storage."""


# JetStream's "insufficient storage resources available": every stream's max_bytes is
# reserved from the server's max_file_store when the stream is created.
_NO_STORAGE = 10047


def _stream_config(
    name: str, subjects: list[str], replicas: int, limits: StreamSettings, window: timedelta
) -> StreamConfig:
    max_age = limits.dead_letter_max_age if name == DLQ_STREAM else limits.max_age
    return StreamConfig(
        name=name,
        subjects=subjects,
        storage=StorageType.FILE,
        duplicate_window=window.total_seconds(),
        num_replicas=replicas,
        max_bytes=int(limits.max_bytes),
        max_age=max_age.total_seconds() if max_age else None,
    )
