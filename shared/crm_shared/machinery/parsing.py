"""Turning a bus message into a validated event or request, or a clear reason why not."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from functools import cache
from typing import TypeVar, cast, get_args

from nats.aio.msg import Msg
from pydantic import BaseModel, ValidationError, create_model

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

    An envelope is first read in one pass from its bytes, by pydantic's JSON parser into the
    envelope with `data` typed as `model` (a third of the CPU of `json.loads`, then the
    envelope, then the data). Whatever that does not accept is read again the way below,
    which decides and says why; both parsers refuse bad UTF-8, trailing text and numbers
    over 4,300 digits and keep the last of a repeated key (a lone surrogate escape, which
    pydantic's refuses, is refused below too). They differ in one thing read: a decimal
    given as a JSON number (1500.0 is 1500 to pydantic's parser, 1500.0 after `json.loads`),
    so a body with a decimal field of `model` written as a number is read the slow way (a
    key spelt with escapes is not looked for: its value is equal either way).
    """
    numbers = _decimal_number(model)
    if b'"specversion"' in msg.data and not (numbers and numbers.search(msg.data)):
        try:
            event = _enveloped(model).model_validate_json(msg.data)
        except (ValidationError, ValueError, RecursionError):
            pass
        else:
            return event.id, cast(D, event.data)
    return _parse_event_slowly(msg, model, allow_bare=allow_bare)


def _parse_event_slowly(msg: Msg, model: type[D], *, allow_bare: bool) -> tuple[str, D]:
    """`parse_event` by `json.loads`: decides every body, and says what is wrong."""
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


@cache
def _decimal_number(model: type[BaseModel]) -> re.Pattern[bytes] | None:
    """Matches a body where a decimal field of `model` (or of a model inside it) is given as
    a JSON number; None when `model` has no decimal field (a pattern that matches nothing
    would still be tried at every byte: 2-3 µs a body)."""
    names = sorted(_decimal_fields(model, set()))
    if not names:
        return None
    return re.compile(rb'"(?:%s)"\s*:\s*[-0-9]' % b"|".join(re.escape(n.encode()) for n in names))


def _decimal_fields(model: type[BaseModel], seen: set[type]) -> set[str]:
    seen.add(model)
    names: set[str] = set()
    for name, info in model.model_fields.items():
        for kind in _types_in(info.annotation):
            if kind is Decimal:
                names.add(info.alias or name)
            elif isinstance(kind, type) and issubclass(kind, BaseModel) and kind not in seen:
                names |= _decimal_fields(kind, seen)
    return names


def _types_in(annotation: object) -> list[object]:
    """`annotation` and every type inside it (Optional, unions, lists, Annotated...)."""
    found = [annotation]
    for arg in get_args(annotation):
        found += _types_in(arg)
    return found


@cache
def _enveloped(model: type[BaseModel]) -> type[CloudEvent]:
    """The envelope with `data` typed as `model` and `specversion` given (a body without it
    is read the slow way, which takes it for bare data where that is allowed)."""
    fields: dict[str, object] = {"specversion": (str, ...), "data": (model, ...)}
    return create_model(f"{model.__name__}Event", __base__=CloudEvent, **fields)  # type: ignore[call-overload]


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
