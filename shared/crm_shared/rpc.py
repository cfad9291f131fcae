"""Request/reply endpoints: parse a body strictly, run the use case, reply `ok` or a refusal.

Every request gets a reply, whatever its bytes: `invalid` for what cannot be parsed (bad
UTF-8 or JSON, nesting too deep, a 5,000-digit number) or fails its schema, `unavailable`
for a transient fault (try again), and `internal`, logged with a correlation id that the
reply carries, for anything else. None is dropped.

A command with a `request_id` is answered once: a retry gets the first reply
(crm_shared.requests).
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from faststream.nats import NatsMessage, NatsRouter
from pydantic import BaseModel, ValidationError

from crm_shared import requests
from crm_shared.commands import MAX_BODY_BYTES, ErrorBody, ErrorCode, Refused, refusal
from crm_shared.faults import is_transient
from crm_shared.metrics import Metrics
from crm_shared.outbox import UnitOfWork
from crm_shared.requests import CURRENT_REQUEST, PendingRequest

log = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)
Reply = dict[str, Any]
UowFactory = Callable[[], UnitOfWork]
# NATS's default max_payload (1 MiB), less room for the headers of the reply.
MAX_REPLY_BYTES = 1024 * 1024 - 8 * 1024


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
        raise Refused(ErrorCode.invalid, describe_validation_error(exc)) from None
    except (ValueError, RecursionError) as exc:  # a validator's own failure
        raise Refused(ErrorCode.invalid, f"body cannot be read: {exc!r}") from None


async def answer(
    raw: bytes,
    model: type[M],
    handler: Callable[[M], Awaitable[Reply]],
    metrics: Metrics,
    subject: str,
    uow: UowFactory | None = None,
) -> Reply:
    """Parse `raw` as `model`, run `handler`, and turn every outcome into a reply.

    With `uow` (the service's unit-of-work factory), a command's `request_id` is honoured.
    """
    try:
        request = parse_body(raw, model)
        key = _request_key(request, subject) if uow is not None else None
        if key is None or uow is None:
            reply, outcome = await _run(handler, request, subject)
        else:
            reply, outcome = await _once(handler, request, key, uow, subject)
    except Refused as refused:
        reply, outcome = refusal(refused.error), refused.error.code.value
    except Exception as exc:
        reply, outcome = _failure(subject, exc)
    metrics.commands.labels(subject, outcome).inc()
    return reply


async def _run(handler: Callable[[M], Awaitable[Reply]], request: M, subject: str) -> Any:
    try:
        return await handler(request), "ok"
    except Refused as refused:
        return refusal(refused.error), refused.error.code.value
    except Exception as exc:
        return _failure(subject, exc)


async def _once(
    handler: Callable[[M], Awaitable[Reply]],
    request: M,
    key: PendingRequest,
    uow: UowFactory,
    subject: str,
) -> tuple[Reply, str]:
    """Run a command with a request id at most once; a retry gets the first reply."""
    async with uow() as unit:
        previous = await requests.find(unit.conn, unit.schema, key)
    if previous is not None:
        return _repeat(previous, key), "repeated"
    token = CURRENT_REQUEST.set(key)
    try:
        reply, outcome = await _run(handler, request, subject)
    finally:
        CURRENT_REQUEST.reset(token)
    if outcome not in ("unavailable", "internal"):
        async with uow() as unit:
            await requests.remember(unit.conn, unit.schema, key, reply)
            await unit.commit()
    return reply, outcome


def _repeat(previous: requests.Previous, key: PendingRequest) -> Reply:
    if previous.subject != key.subject:
        raise Refused(
            ErrorCode.invalid,
            f"request_id {key.request_id!r} was already used for {previous.subject}",
        )
    if previous.reply is not None:
        return previous.reply
    if previous.lost:
        raise Refused(
            ErrorCode.invalid,
            f"request {key.request_id!r} was applied but its reply was lost; "
            "query the current state",
        )
    raise Refused(ErrorCode.unavailable, f"request {key.request_id!r} is still being handled")


def _request_key(request: BaseModel, subject: str) -> PendingRequest | None:
    request_id = getattr(request, "request_id", None)
    actor_id = getattr(request, "actor_id", None)
    if request_id is None or actor_id is None:
        return None
    return PendingRequest(actor_id=actor_id, request_id=request_id, subject=subject)


def fitting(reply: Reply, subject: str, limit: int = MAX_REPLY_BYTES) -> Reply:
    """`reply`, or `invalid` if it would not fit in one bus message (a page of 500 deals with
    every text at its limit would not): a reply the bus refuses is no reply at all."""
    size = len(json.dumps(reply, ensure_ascii=False, default=str).encode())
    if size <= limit:
        return reply
    message = f"the reply would be {size} bytes, over the bus's {limit}; ask for less (limit)"
    log.warning("%s: %s", subject, message)
    return refusal(ErrorBody(code=ErrorCode.invalid, message=message))


def _failure(subject: str, exc: Exception) -> tuple[Reply, str]:
    """`unavailable` for a transient fault, else `internal` with a logged correlation id."""
    if is_transient(exc):
        log.warning("%s: temporarily unavailable: %r", subject, exc)
        error = ErrorBody(code=ErrorCode.unavailable, message=f"try again: {type(exc).__name__}")
        return refusal(error), "unavailable"
    correlation = uuid.uuid4().hex
    log.error("%s: internal error [%s]", subject, correlation, exc_info=exc)
    error = ErrorBody(
        code=ErrorCode.internal,
        message=f"internal error; the service logged it as {correlation}",
        correlation_id=correlation,
    )
    return refusal(error), "internal"


async def _raw(message: NatsMessage) -> bytes:
    """The body as it came: FastStream's own decoder would parse the JSON first, and what it
    raises on 3 KB of `[` (RecursionError) or on bad UTF-8 with a text content type ends the
    request with no reply. `parse_body` reads it instead."""
    return message.body


Route = tuple[type[BaseModel], Callable[[Any, Any], Awaitable[Reply]]]


def build_router(
    routes: list[Route],
    ctx: Any,
    *,
    queue: str,
    metrics: Metrics,
    uow: UowFactory | None = None,
) -> NatsRouter:
    """One FastStream subscriber per request subject, in the service's queue group.

    Each handler is `(request, ctx)`; every request gets a reply through `answer`. `uow`
    (by default the context's own `uow` factory) is where request ids are kept.
    """
    router = NatsRouter()
    factory = uow if uow is not None else getattr(ctx, "uow", None)
    for model, handler in routes:
        _route(router, ctx, model, handler, queue, metrics, factory)
    return router


def _route(
    router: NatsRouter,
    ctx: Any,
    model: type[BaseModel],
    handler: Callable[[Any, Any], Awaitable[Reply]],
    queue: str,
    metrics: Metrics,
    uow: UowFactory | None,
) -> None:
    subject: str = model.SUBJECT  # type: ignore[attr-defined]

    async def use_case(request: Any) -> Reply:
        return await handler(request, ctx)

    @router.subscriber(subject, queue=queue, title=f"{subject}:{queue}", decoder=_raw)
    async def endpoint(message: NatsMessage) -> Reply:
        reply = await answer(message.body, model, use_case, metrics, subject, uow)
        return fitting(reply, subject)
