"""Request/reply endpoints: parse a body strictly, run the use case, reply `ok` or a refusal.

Every way a request can go wrong ends in a reply that says exactly why; none is dropped.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from crm_shared.commands import MAX_BODY_BYTES, ErrorBody, ErrorCode, Refused, refusal
from crm_shared.consumer import TRANSIENT
from crm_shared.metrics import Metrics

log = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)
Reply = dict[str, Any]


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
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise Refused(ErrorCode.invalid, f"body is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise Refused(ErrorCode.invalid, "body must be a JSON object")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise Refused(ErrorCode.invalid, describe_validation_error(exc)) from None


async def answer(
    raw: bytes,
    model: type[M],
    handler: Callable[[M], Awaitable[Reply]],
    metrics: Metrics,
    subject: str,
) -> Reply:
    """Parse `raw` as `model`, run `handler`, and turn every outcome into a reply."""
    try:
        request = parse_body(raw, model)
        reply = await handler(request)
    except Refused as refused:
        metrics.commands.labels(subject, refused.error.code.value).inc()
        return refusal(refused.error)
    except TRANSIENT as exc:
        log.warning("%s: temporarily unavailable: %r", subject, exc)
        metrics.commands.labels(subject, "unavailable").inc()
        return refusal(ErrorBody(code=ErrorCode.unavailable, message=f"try again: {exc!r}"))
    metrics.commands.labels(subject, "ok").inc()
    return reply
