"""The bus every service shares: connecting, the JetStream streams, dead letters."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import os
from datetime import timedelta

import nats
from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg
from nats.errors import NoServersError
from nats.js import JetStreamContext
from nats.js.api import StorageType, StreamConfig
from nats.js.errors import BadRequestError, NotFoundError, ServerError

log = logging.getLogger(__name__)

# A re-published event (same Nats-Msg-Id) within this window is dropped by the stream. The
# outbox relay republishes only what it could not delete after a publish, seconds later.
DUPLICATE_WINDOW = timedelta(minutes=2)
# Fault runs shorten it (CRM_DUPLICATE_WINDOW_SECONDS) to show that a republish after the
# window has passed is still applied once: the consumers' inboxes catch what the stream lets by.
DUPLICATE_WINDOW_ENV = "CRM_DUPLICATE_WINDOW_SECONDS"


def duplicate_window() -> timedelta:
    """The streams' duplicate window: DUPLICATE_WINDOW unless the environment says otherwise."""
    seconds = os.environ.get(DUPLICATE_WINDOW_ENV)
    return timedelta(seconds=float(seconds)) if seconds else DUPLICATE_WINDOW


# Set by `crm dlq replay` on a re-published dead letter: a consumer then takes the message for
# a new one (its event id gets a suffix), as the first copy may be recorded in its inbox.
REPLAY_HEADER = "Crm-Replay-Of"

STREAMS: dict[str, list[str]] = {
    "CRM_LEADS": ["crm.lead.received"],
    "CRM_EVENTS": ["crm.deal.>", "crm.task.>"],
    "CRM_NOTIFY": ["crm.notify.>"],
    "CRM_DLQ": ["crm.dlq.>"],
}


async def connect(url: str, name: str) -> NatsClient:
    """Connect with endless reconnects: a service outlives a NATS restart.

    Replies to this client (JetStream acks, API answers, pulled messages, request replies)
    come to `_INBOX.<name>.…`, so the server's permissions can give each service its own
    inboxes rather than every client's (deploy/nats/accounts.conf).
    """
    for _ in range(60):
        try:
            return await nats.connect(
                url,
                name=name,
                inbox_prefix=f"_INBOX.{name}",
                max_reconnect_attempts=-1,
                reconnect_time_wait=0.5,
                connect_timeout=2,
            )
        except (NoServersError, OSError, TimeoutError):
            await asyncio.sleep(0.5)
    raise ConnectionError(f"NATS not reachable at {url}")


async def ensure_streams(js: JetStreamContext, *, replicas: int | None = None) -> None:
    """Create or update the project's streams (idempotent; every service calls it at start).

    `replicas` defaults to CRM_STREAM_REPLICAS (1). An existing stream is never scaled down:
    a service starting with the default must not turn an operator's R3 streams into R1.
    """
    wanted = replicas if replicas is not None else int(os.environ.get("CRM_STREAM_REPLICAS", "1"))
    for name, subjects in STREAMS.items():
        try:
            info = await js.stream_info(name)
        except NotFoundError:
            await _create_stream(js, _stream_config(name, subjects, wanted))
        else:
            current = info.config.num_replicas or 1
            await js.update_stream(_stream_config(name, subjects, max(current, wanted)))


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
        except ServerError:
            if attempt == attempts - 1:
                raise
            await asyncio.sleep(0.1)


def _stream_config(name: str, subjects: list[str], replicas: int) -> StreamConfig:
    return StreamConfig(
        name=name,
        subjects=subjects,
        storage=StorageType.FILE,
        duplicate_window=duplicate_window().total_seconds(),
        num_replicas=replicas,
    )


def dlq_subject(service: str) -> str:
    """Where a service dead-letters what it cannot process."""
    return f"crm.dlq.{service}"


# Room left in a dead letter for its headers and the JSON around `original`.
_LETTER_HEADROOM = 8 * 1024
_HEADER_VALUE_MAX = 1024
_HEADERS_MAX = 32


async def dead_letter(
    js: JetStreamContext, service: str, msg: Msg, reason: str, *, limit: int = 1024 * 1024
) -> None:
    """Publish the original message and the reason to `crm.dlq.<service>`.

    The body is JSON so that a person can read it; the original bytes are kept as text when
    they are UTF-8 and as base64 otherwise. The id keeps a redelivered poison message from
    being dead-lettered twice. The letter stays under `limit` (the server's max_payload)
    even for an original close to it: `original` is then cut, `original_size` says how big
    it was and `original_truncated` is true (such a letter cannot be replayed).
    """
    meta = _metadata(msg)
    body = letter_body(service, msg, reason, limit - _LETTER_HEADROOM)
    msg_id = f"dlq:{service}:{msg.subject}:{meta}"
    await js.publish(
        dlq_subject(service),
        body,
        headers={"Nats-Msg-Id": msg_id, "Crm-Dlq-Reason": _header_value(reason, 200)},
    )


def letter_body(service: str, msg: Msg, reason: str, budget: int) -> bytes:
    """The JSON of a dead letter, no longer than `budget` bytes (see `dead_letter`)."""
    data = msg.data
    kept = list((msg.headers or {}).items())[:_HEADERS_MAX]
    headers = {k[:_HEADER_VALUE_MAX]: _header_value(v, _HEADER_VALUE_MAX) for k, v in kept}
    keep = len(data)
    while True:
        body = _letter(service, msg.subject, data, keep, reason[:4096], headers, _metadata(msg))
        if len(body) <= budget or keep == 0:
            return body
        keep //= 2


def _letter(
    service: str,
    subject: str,
    data: bytes,
    keep: int,
    reason: str,
    headers: dict[str, str],
    seq: int | None,
) -> bytes:
    cut = keep < len(data)
    original, encoding = _as_text(data[:keep], cut)
    body: dict[str, object] = {
        "reason": reason,
        "service": service,
        "original_subject": subject,
        "original": original + (f"…[cut: {keep} of {len(data)} bytes]" if cut else ""),
        "original_encoding": encoding,
        "original_headers": headers,
        "stream_sequence": seq,
    }
    if cut:
        body["original_truncated"] = True
        body["original_size"] = len(data)
    return json.dumps(body, ensure_ascii=False).encode()


def _as_text(part: bytes, cut: bool) -> tuple[str, str]:
    """UTF-8 text if it is (a cut may split the last character: up to 3 bytes go), else base64."""
    for trim in range(4 if cut and part else 1):
        try:
            return part[: len(part) - trim].decode(), "utf-8"
        except UnicodeDecodeError:
            continue
    return base64.b64encode(part).decode(), "base64"


def _header_value(value: str, limit: int) -> str:
    """A header value that cannot break the protocol: no control characters, bounded."""
    return "".join(" " if ord(c) < 32 or ord(c) == 127 else c for c in value[:limit])


def _metadata(msg: Msg) -> int | None:
    try:
        return int(msg.metadata.sequence.stream)
    except Exception:  # a core NATS message has no JetStream metadata
        return None
