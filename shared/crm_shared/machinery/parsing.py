"""Turning a bus message into a validated event or request, or a clear reason why not."""

from __future__ import annotations

import json
from typing import TypeVar

from nats.aio.msg import Msg
from pydantic import BaseModel, ValidationError

from crm_shared.contracts.base import MAX_BODY_BYTES
from crm_shared.contracts.envelope import CloudEvent
from crm_shared.contracts.refusals import ErrorCode, Refused
from crm_shared.locale import form_problems
from crm_shared.machinery.consumer import Invalid

D = TypeVar("D", bound=BaseModel)
M = TypeVar("M", bound=BaseModel)
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


def describe_validation_error(exc: ValidationError) -> str:
    """One line per problem: `field.path: message`."""
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "body"
        parts.append(f"{loc}: {err['msg']}")
    return "; ".join(parts)


def parse_body(raw: bytes, model: type[M]) -> M:
    """Parse a request body or raise Refused(invalid) naming what is wrong."""
    if len(raw) > MAX_BODY_BYTES:
        raise Refused(ErrorCode.invalid, f"body is {len(raw)} bytes, over {MAX_BODY_BYTES}")
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as exc:  # bad UTF-8 or JSON, 5,000 digits, 3 KB of `[`
        raise Refused(ErrorCode.invalid, f"body is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise Refused(ErrorCode.invalid, "body must be a JSON object")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        people = form_problems(exc.errors())
        raise Refused(
            ErrorCode.invalid, describe_validation_error(exc), reason="form", problems=people
        ) from None
    except (ValueError, RecursionError) as exc:  # a validator's own failure
        raise Refused(ErrorCode.invalid, f"body cannot be read: {exc!r}") from None
