"""Request/reply endpoints: parse a body strictly, run the use case, reply `ok` or a refusal.

Every request gets a reply, whatever its bytes: `invalid` for what cannot be parsed (bad
UTF-8 or JSON, nesting too deep, a 5,000-digit number) or fails its schema, `unavailable`
for a transient fault (try again), and `internal`, logged with a correlation id that the
reply carries, for anything else. None is dropped.

A command with a `request_id` is answered once: a retry gets the first reply
(crm_shared.machinery.requests).

On FastStream: a service declares its subjects on `Endpoints`, one typed handler
`(request: Model, ctx: ServiceContext)` each, on the `NatsRouter` it runs and the AsyncAPI
document describes. The subscriber's decoder is `parse_body` (never FastStream's JSON
decoding); the `Answering` middleware turns every outcome, exceptions included, into the
reply, counts it per subject and honours request ids.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import uuid
from collections.abc import Awaitable, Callable, Iterable
from typing import Annotated, Any, Generic, Protocol, TypeVar

from faststream import BaseMiddleware, Context, StreamMessage
from faststream.nats import NatsMessage, NatsRouter
from pydantic import BaseModel

from crm_shared.contracts.base import EventData, Strict
from crm_shared.contracts.refusals import ErrorBody, ErrorCode, Refused, refusal
from crm_shared.machinery import requests
from crm_shared.machinery.asyncapi import REPLY_NOTE, Inbound, envelope_of
from crm_shared.machinery.faults import is_transient, lost_a_race
from crm_shared.machinery.metrics import Metrics
from crm_shared.machinery.outbox import UnitOfWork
from crm_shared.machinery.parsing import parse_body
from crm_shared.machinery.request_key import CURRENT_REQUEST, PendingRequest

log = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)
Reply = dict[str, Any]
UowFactory = Callable[[], UnitOfWork]
# NATS's default max_payload (1 MiB), less room for the headers of the reply.
MAX_REPLY_BYTES = 1024 * 1024 - 8 * 1024
RACE_ATTEMPTS = 4
"""Runs of a request whose transaction keeps losing races, before `unavailable`."""


async def _answer(
    parse: Callable[[], Awaitable[M]],
    handler: Callable[[M], Awaitable[Reply]],
    metrics: Metrics,
    subject: str,
    uow: UowFactory | None,
) -> Reply:
    try:
        request = await parse()
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


async def _run(
    handler: Callable[[M], Awaitable[Reply]], request: M, subject: str
) -> tuple[Reply, str]:
    """The handler's reply; a transaction that lost a race with another replica's (a
    deadlock, as two edits of one contact through two of its deals can make) is run again,
    a few times, before the caller hears `unavailable`."""
    for attempt in range(1, RACE_ATTEMPTS + 1):
        try:
            return await handler(request), "ok"
        except Refused as refused:
            return refusal(refused.error), refused.error.code.value
        except Exception as exc:
            if not lost_a_race(exc) or attempt == RACE_ATTEMPTS:
                return _failure(subject, exc)
            log.info("%s: lost a race (%r); running it again", subject, exc)
            await asyncio.sleep(random.uniform(0, 0.02 * attempt))  # apart, not in step
    raise AssertionError("unreachable")


async def _once(
    handler: Callable[[M], Awaitable[Reply]],
    request: M,
    key: PendingRequest,
    uow: UowFactory,
    subject: str,
) -> tuple[Reply, str]:
    """Run a command with a request id at most once; a retry gets the first reply."""
    previous = await requests.find(uow, key)
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


# --- On FastStream: each service's request handlers, typed, on its own NatsRouter ---------

# Where a running service's broker keeps its context (`Runtime.start`), for the handlers'
# second argument and for `Answering` (FastStream's context, one per broker).
CONTEXT_KEY = "crm_service"


class Served(Protocol):
    """What every service's handler context offers the request machinery."""

    @property
    def uow(self) -> UowFactory: ...

    @property
    def metrics(self) -> Metrics: ...


C = TypeVar("C", bound=Served)
R = TypeVar("R", bound=Strict)  # a request body: a command or a query, with its SUBJECT
Handler = Callable[[R, C], Awaitable[Reply]]


class Answering(BaseMiddleware):
    """FastStream consume middleware of every request subscriber: turns every outcome into a
    reply (errors included, as an exception middleware does), counts it per subject, honours
    `request_id` and refuses a reply too large for the bus. Nothing escapes to FastStream,
    so no request is left unanswered."""

    async def consume_scope(
        self, call_next: Callable[[Any], Awaitable[Any]], msg: StreamMessage[Any]
    ) -> Any:
        service: Served = self.context.get(CONTEXT_KEY)
        subject: str = msg.raw_message.subject

        async def parse() -> BaseModel:
            request = await msg.decode()  # the subscriber's `strict_decoder`
            assert isinstance(request, BaseModel)
            return request

        async def handle(_: BaseModel) -> Reply:
            reply: Reply = await call_next(msg)  # the typed handler, given the decoded body
            return reply

        reply = await _answer(parse, handle, service.metrics, subject, service.uow)
        return fitting(reply, subject)


def strict_decoder(model: type[M]) -> Callable[[NatsMessage], Awaitable[M]]:
    """The subscriber's decoder: `parse_body`, never FastStream's own JSON decoding, which
    raises on 3 KB of `[` (RecursionError) or bad UTF-8 with a text content type and would end
    the request with no reply. Its `Refused` becomes the `invalid` reply in `Answering`."""

    async def decode(message: NatsMessage) -> M:
        return parse_body(message.body, model)

    return decode


class Endpoints(Generic[C]):
    """The request/reply subjects a service serves and the events it emits, on one
    `NatsRouter`: the router the service runs and the one the AsyncAPI document describes.

    Each handler is typed `(request: Model, ctx: C)`; `ctx` is the service's context, taken
    from FastStream's context of the running broker (`CONTEXT_KEY`). Subscribers share the
    service's queue group, so replicas split the requests.
    """

    def __init__(self, service: str) -> None:
        self.service = service
        self.router = NatsRouter(middlewares=[Answering])
        self.requests: dict[str, type[Strict]] = {}  # by subject, what `serve` was given
        self.emitted: list[type[EventData]] = []
        self.inbound: list[Inbound] = []

    @property
    def subjects(self) -> list[str]:
        """The subjects served, in the order declared."""
        return list(self.requests)

    def serve(
        self, model: type[R], handler: Handler[R, C], *, reply: str, workers: int = 1
    ) -> None:
        """Answer `model.SUBJECT` with `handler`; `reply` names the fields of an ok reply.
        One request at a time, unless `workers` (that many at once in this process: for a
        request that mostly waits on the database and keeps its own rows apart)."""
        subject = model.SUBJECT

        async def endpoint(request: Any, ctx: Any) -> Reply:
            return await handler(request, ctx)

        # FastStream reads the signature: the body is `model` (validated by the decoder,
        # described in the document), the context comes from the broker's context.
        endpoint.__annotations__ = {
            "request": model,
            "ctx": Annotated[Served, Context(CONTEXT_KEY)],
            "return": Reply,
        }
        endpoint.__name__ = endpoint.__qualname__ = handler.__name__
        description = f"{model.__doc__} Served by {self.service}." + REPLY_NOTE % reply
        self.router.subscriber(
            subject,
            queue=self.service,
            decoder=strict_decoder(model),
            title=f"{subject}:request",
            description=description,
            max_workers=workers if workers > 1 else None,
        )(endpoint)
        self.requests[subject] = model

    def emit(self, model: type[EventData], description: str, *, subject: str = "") -> None:
        """Declare an event this service publishes (through its outbox), for the document."""
        self.emitted.append(model)
        subject = subject or model.SUBJECT
        self.router.publisher(
            subject,
            schema=envelope_of(model),
            title=f"{subject}:out",
            description=f"{description} Emitted by {self.service} (JetStream).",
        )

    def receive(
        self, models: Iterable[type[EventData]], *, stream: str, durable: str, note: str = ""
    ) -> None:
        """Declare the events one of this service's durable JetStream consumers takes, for the
        document only: the consumer is no subscriber of this router."""
        for model in models:
            self.inbound.append(Inbound(model, self.service, stream, durable, note))
