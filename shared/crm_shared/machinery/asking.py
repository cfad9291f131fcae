"""The calling side of request/reply, as typed as the serving side (`rpc.Endpoints`).

    reply = await bus.ask(MoveDeal(actor_id=…, deal_id=…, to_stage=…), request_id=key)

The request's model is its address (`SUBJECT`) and names its reply (`Asks[MoveDealReply]`,
crm_shared.contracts.base), so mypy sees a `MoveDealReply` and the reply is validated as
one. Nothing is a string or a dict on the way: a typo is an attribute error, not "no
responders".

What does not succeed is raised as `Refused` with the service's `ErrorBody`: its own refusal
as it sent it, and `unavailable` when nobody answers the subject, the answer does not come in
time or the bus is not reachable, with a message naming the service and the subject. A reply
that is not what the contract says is `internal` (a service and its client disagree).

`request_id` is an argument, not a field to remember or a context variable: the same id from
the same actor within 24 hours gets the first reply again (crm_shared.machinery.requests).
"""

from __future__ import annotations

import json
import logging
from typing import Any, Protocol, TypeVar, cast

from nats.aio.client import Client as NatsClient
from nats.errors import Error as NatsError
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeout
from pydantic import BaseModel, TypeAdapter, ValidationError

from crm_shared.contracts.base import Answer, Asks, Command, Strict
from crm_shared.contracts.refusals import ErrorBody, ErrorCode, Refused
from crm_shared.contracts.subjects import service_of
from crm_shared.contracts.text import Id

log = logging.getLogger(__name__)
R = TypeVar("R", bound=Answer)
_REQUEST_ID: TypeAdapter[str] = TypeAdapter(Id)


class Asker(Protocol):
    """What a use case needs to ask another service (a fake in a unit test)."""

    async def ask(
        self, request: Asks[R], *, timeout: float | None = None, request_id: str | None = None
    ) -> R: ...


def body_of(request: Strict, request_id: str | None = None) -> bytes:
    """The JSON a request is sent as: the fields given (a field set to null explicitly, as
    `DealFields` clears one, stays null), by alias (`from`), with `request_id` if given."""
    body = request.model_dump(mode="json", by_alias=True, exclude_unset=True)
    if request_id is not None:
        if not isinstance(request, Command):
            raise TypeError(f"{type(request).__name__} is a query: a request_id is for commands")
        try:
            body["request_id"] = _REQUEST_ID.validate_python(request_id)
        except ValidationError as exc:
            message = f"request_id: {exc.errors()[0]['msg']}"
            raise Refused(ErrorCode.invalid, message) from None
    return json.dumps(body, ensure_ascii=False).encode()


def read_reply(request: Asks[R], data: bytes) -> R:
    """The reply's payload as the request's reply type, or `Refused` with its error."""
    subject = cast(Strict, request).SUBJECT
    try:
        reply = json.loads(data)
    except ValueError as exc:
        raise _internal(subject, f"not JSON: {exc}") from None
    if not isinstance(reply, dict):
        raise _internal(subject, "not a JSON object")
    if reply.get("ok") is not True:
        try:
            error = ErrorBody.model_validate(reply.get("error"))
        except ValidationError:
            raise _internal(subject, f"a refusal without its error: {reply!r:.200}") from None
        raise Refused.of(error)
    reply_type = type(request).Reply
    try:
        return cast(R, reply_type.model_validate(reply))
    except ValidationError as exc:
        raise _internal(subject, f"not a {reply_type.__name__}: {exc}") from None


def _internal(subject: str, what: str) -> Refused:
    log.error("%s: the reply of %s is %s", subject, service_of(subject), what)
    return Refused(ErrorCode.internal, f"{service_of(subject)} answered {subject} with {what}")


def unavailable(subject: str, why: str) -> Refused:
    """The refusal for a request nobody answered: which service, which subject, why."""
    return Refused(ErrorCode.unavailable, f"{service_of(subject)} ({subject}) {why}; try again")


class Bus:
    """Typed requests on one NATS connection (`ask`), each with the default `timeout`."""

    def __init__(self, nc: NatsClient, *, timeout: float) -> None:
        self.nc = nc
        self.timeout = timeout

    async def ask(
        self, request: Asks[R], *, timeout: float | None = None, request_id: str | None = None
    ) -> R:
        """Send `request` to its `SUBJECT` and return its reply; `Refused` otherwise."""
        model = cast(Strict, request)
        subject = model.SUBJECT
        wait = self.timeout if timeout is None else timeout
        raw = body_of(model, request_id)
        try:
            msg = await self.nc.request(subject, raw, timeout=wait)
        except NoRespondersError:
            raise unavailable(subject, "is not running: nobody answers") from None
        except (NatsTimeout, TimeoutError):
            raise unavailable(subject, f"did not answer in {wait:g} s") from None
        except NatsError as exc:  # closed, reconnecting, ...
            why = f"cannot be asked: the bus is not reachable ({type(exc).__name__})"
            raise unavailable(subject, why) from None
        return read_reply(request, msg.data)


def dumped(reply: BaseModel) -> dict[str, Any]:
    """A reply as JSON-ready data (for a page or an API answer that passes it on)."""
    return reply.model_dump(mode="json")
