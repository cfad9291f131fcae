"""Turning a bus message into a validated event, or a clear reason why not."""

from __future__ import annotations

import json
from typing import TypeVar

from nats.aio.msg import Msg
from pydantic import BaseModel, ValidationError

from crm_shared.consumer import Invalid
from crm_shared.envelope import CloudEvent
from crm_shared.rpc import describe_validation_error

D = TypeVar("D", bound=BaseModel)
MAX_EVENT_ID_BYTES = 200


def parse_event(msg: Msg, model: type[D], *, allow_bare: bool = False) -> tuple[str, D]:
    """Parse a CloudEvents body whose `data` is `model`; returns (event id, data).

    With `allow_bare`, a body that is the data itself (no envelope) is accepted too, and its
    id is the `Nats-Msg-Id` header or, failing that, the stream sequence: source systems that
    cannot build an envelope can still send leads.
    """
    try:
        body = json.loads(msg.data)
    except (ValueError, RecursionError) as exc:  # bad UTF-8 or JSON, 5,000 digits, 2 KB of `[`
        raise Invalid(f"not JSON: {exc}") from None
    if not isinstance(body, dict):
        raise Invalid("body must be a JSON object")
    if "specversion" in body or not allow_bare:
        try:
            event = CloudEvent.model_validate(body)
        except ValidationError as exc:
            raise Invalid(f"not a CloudEvent: {describe_validation_error(exc)}") from None
        data, event_id = event.data, event.id
    else:
        data = body
        headers = msg.headers or {}
        event_id = headers.get("Nats-Msg-Id") or f"seq:{_stream_seq(msg)}"
        if len(event_id.encode()) > MAX_EVENT_ID_BYTES:
            raise Invalid(f"Nats-Msg-Id is over {MAX_EVENT_ID_BYTES} bytes")
    try:
        return event_id, model.model_validate(data)
    except ValidationError as exc:
        raise Invalid(f"schema: {describe_validation_error(exc)}") from None


def _stream_seq(msg: Msg) -> str:
    try:
        return str(msg.metadata.sequence.stream)
    except Exception:
        return "unknown"
