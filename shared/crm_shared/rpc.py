"""Request/reply endpoints: parse a body strictly, run the use case, reply `ok` or a refusal.

Every way a request can go wrong ends in a reply that says exactly why; none is dropped.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from faststream.nats import NatsMessage, NatsRouter
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


Route = tuple[type[BaseModel], Callable[[Any, Any], Awaitable[Reply]]]


def build_router(routes: list[Route], ctx: Any, *, queue: str, metrics: Metrics) -> NatsRouter:
    """One FastStream subscriber per request subject, in the service's queue group.

    Each handler is `(request, ctx)`; every request gets a reply through `answer`.
    """
    router = NatsRouter()
    for model, handler in routes:
        _route(router, ctx, model, handler, queue, metrics)
    return router


def _route(
    router: NatsRouter,
    ctx: Any,
    model: type[BaseModel],
    handler: Callable[[Any, Any], Awaitable[Reply]],
    queue: str,
    metrics: Metrics,
) -> None:
    subject: str = model.SUBJECT  # type: ignore[attr-defined]

    async def use_case(request: Any) -> Reply:
        return await handler(request, ctx)

    @router.subscriber(subject, queue=queue, title=f"{subject}:{queue}")
    async def endpoint(message: NatsMessage) -> Reply:
        return await answer(message.body, model, use_case, metrics, subject)
