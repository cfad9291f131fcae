"""The bus every service shares: connecting, the JetStream streams, dead letters."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import nats
from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from crm_shared.machinery.health import RETRY_SECONDS, Dependency, Health, describe
from crm_shared.machinery.redact import mask_pii
from crm_shared.machinery.streams import DLQ_STREAM as DLQ_STREAM
from crm_shared.machinery.streams import DUPLICATE_WINDOW as DUPLICATE_WINDOW
from crm_shared.machinery.streams import EVERY_STREAM as EVERY_STREAM
from crm_shared.machinery.streams import MIRRORS as MIRRORS
from crm_shared.machinery.streams import STREAMS as STREAMS
from crm_shared.machinery.streams import StreamStorageError as StreamStorageError
from crm_shared.machinery.streams import ensure_streams as ensure_streams

log = logging.getLogger(__name__)

# Set by `crm dlq replay` on a re-published dead letter: a consumer then takes the message for
# a new one (its event id gets a suffix), as the first copy may be recorded in its inbox.
REPLAY_HEADER = "Crm-Replay-Of"


async def connect(url: str, name: str, dependency: Dependency | None = None) -> NatsClient:
    """Connect, waiting as long as it takes; then reconnect for ever (a NATS restart is survived).

    Tries every RETRY_SECONDS until the server answers (cancel the call to give up). Every
    failed attempt and every drop goes to `dependency`, which says so in a line now and then
    and keeps /healthz's "nats" state: nats-py's default callbacks would log a traceback per
    attempt. Replies to this client (JetStream acks, API answers, pulled messages, request
    replies) come to `_INBOX.<name>.…`, so the server's permissions can give each service
    its own inboxes rather than every client's (deploy/nats/accounts.conf).
    """
    dependency = dependency or Dependency(Health(), "nats", "NATS", url)
    nc = await nats.connect(
        url,
        name=name,
        inbox_prefix=f"_INBOX.{name}",
        **quiet_callbacks(dependency),
        **RETRY_FOR_EVER,
    )
    # Once connected, a dropped connection is retried faster: a restarted server is usually
    # back within a second, and every consumer waits for it meanwhile.
    nc.options["reconnect_time_wait"] = RECONNECT_SECONDS
    dependency.reached()
    return nc


# How nats.connect is told to retry for ever, every RETRY_SECONDS (the first attempt too).
RETRY_FOR_EVER: dict[str, Any] = {
    "allow_reconnect": True,
    "max_reconnect_attempts": -1,
    "reconnect_time_wait": RETRY_SECONDS,
    "connect_timeout": 2,
}
RECONNECT_SECONDS = 0.5


def quiet_callbacks(dependency: Dependency) -> dict[str, Callable[..., Awaitable[None]]]:
    """nats-py callbacks that report to `dependency` instead of logging tracebacks."""

    async def on_error(exc: Exception) -> None:
        if dependency.waiting:
            dependency.failed(exc)
        elif isinstance(exc, OSError | nats.errors.Error):
            # Mostly the end of a connection, which `dependency.lost` reports next.
            log.debug("NATS at %s: %s", dependency.url, describe(exc))
        else:  # raised by a subscription callback of ours: a bug, worth its traceback
            log.error("a NATS message callback failed", exc_info=exc)

    async def on_disconnected() -> None:
        dependency.lost()

    async def on_reconnected() -> None:
        dependency.reached()

    return {
        "error_cb": on_error,
        "disconnected_cb": on_disconnected,
        "reconnected_cb": on_reconnected,
    }


def dlq_subject(service: str) -> str:
    """Where a service dead-letters what it cannot process."""
    return f"crm.dlq.{service}"


# Room left in a dead letter for its headers and the JSON around `original`.
_LETTER_HEADROOM = 8 * 1024
_HEADER_VALUE_MAX = 1024
_HEADERS_MAX = 32


async def dead_letter(
    js: JetStreamContext,
    service: str,
    msg: Msg,
    reason: str,
    *,
    limit: int = 1024 * 1024,
    kind: str = "failed",
) -> None:
    """Publish the original message and the reason to `crm.dlq.<service>` (see below)."""
    msg_id, subject, body = dead_letter_message(service, msg, reason, limit=limit, kind=kind)
    await js.publish(
        subject,
        body,
        headers={"Nats-Msg-Id": msg_id, "Crm-Dlq-Reason": _header_value(mask_pii(reason), 200)},
    )


def dead_letter_message(
    service: str, msg: Msg, reason: str, *, limit: int = 1024 * 1024, kind: str = "failed"
) -> tuple[str, str, bytes]:
    """The dead letter of `msg`: (message id, subject, body), for a publish or an outbox row.

    The body is JSON so that a person can read it; the original bytes are kept as text when
    they are UTF-8 and as base64 otherwise. The id keeps a redelivered poison message from
    being dead-lettered twice. Phones and e-mail addresses in the reason are masked, as it
    is read in logs and dashboards (the original keeps them, for a replay). The letter stays
    under `limit` (the server's max_payload) even for an original close to it: `original` is
    then cut, `original_size` says how big it was and `original_truncated` is true (such a
    letter cannot be replayed). `kind` is why, as a stable code (`invalid`, `too_large`,
    `rejected`, `failed`): what `crm dlq list` says in Russian; `reason` is the service's own
    diagnostic, for the operator to read after it.
    """
    body = letter_body(service, msg, mask_pii(reason), limit - _LETTER_HEADROOM, kind)
    return f"dlq:{service}:{msg.subject}:{_metadata(msg)}", dlq_subject(service), body


def letter_body(service: str, msg: Msg, reason: str, budget: int, kind: str = "failed") -> bytes:
    """The JSON of a dead letter, no longer than `budget` bytes (see `dead_letter`)."""
    data = msg.data
    kept = list((msg.headers or {}).items())[:_HEADERS_MAX]
    headers = {k[:_HEADER_VALUE_MAX]: _header_value(v, _HEADER_VALUE_MAX) for k, v in kept}
    keep = len(data)
    while True:
        body = _letter(
            service, msg.subject, data, keep, reason[:4096], headers, _metadata(msg), kind
        )
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
    kind: str,
) -> bytes:
    cut = keep < len(data)
    original, encoding = _as_text(data[:keep], cut)
    body: dict[str, object] = {
        "kind": kind,
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
