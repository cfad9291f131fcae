"""The OpenAPI description of Bitrix24's incoming-webhook address (`/rest/<user>/<code>/
<method>`): its answers in Bitrix24's own shapes, not the gateway's `{"error": {…}}`, and its
bodies as Bitrix24 clients send them (bracketed pairs, url-encoded, multipart or JSON)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from gateway.entrypoints.http.schemas import ErrorOut


class B24Time(BaseModel):
    """Bitrix24's `time` block: seconds since the epoch, dates in UTC ISO 8601."""

    start: float
    finish: float
    duration: float
    processing: float
    date_start: str
    date_finish: str
    operating_reset_at: int
    operating: float


class B24Batch(BaseModel):
    """A batch's answer, keyed by command (keys 0…n as a list, none as `[]`, as PHP writes
    them): each command's result, error ({error, error_description}) and time."""

    result: dict[str, Any] | list[Any]
    result_error: dict[str, Any] | list[Any]
    result_total: dict[str, Any] | list[Any]
    result_next: dict[str, Any] | list[Any]
    result_time: dict[str, Any] | list[Any]


class B24Result(BaseModel):
    """A call's answer: `result` is the lead's number in the lead stream (crm.*.add) or the
    batch's answer (batch)."""

    result: int | B24Batch
    time: B24Time


class B24ErrorOut(BaseModel):
    """Bitrix24's error body; the description is in Russian."""

    error: str = Field(
        description="INVALID_CREDENTIALS, WRONG_AUTH_TYPE, insufficient_scope, "
        "ERROR_METHOD_NOT_FOUND, INVALID_ARG_VALUE, ERROR_BATCH_LENGTH_EXCEEDED, "
        "ERROR_BATCH_METHOD_NOT_ALLOWED, QUERY_LIMIT_EXCEEDED, INTERNAL_SERVER_ERROR"
    )
    error_description: str


def _error(when: str) -> dict[str, Any]:
    return {"model": B24ErrorOut, "description": when}


RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"model": B24Result, "description": "the lead's number (crm.*.add) or a batch"},
    400: {
        "description": "INVALID_ARG_VALUE: parameters that make no lead; "
        "ERROR_BATCH_LENGTH_EXCEEDED, ERROR_BATCH_METHOD_NOT_ALLOWED: a batch refused (the "
        "gateway's own error shape for a Host not allowed)",
        "content": {
            "application/json": {
                "schema": {
                    "anyOf": [
                        {"$ref": "#/components/schemas/B24ErrorOut"},
                        {"$ref": "#/components/schemas/ErrorOut"},
                    ]
                }
            }
        },
    },
    401: _error(
        "INVALID_CREDENTIALS (no live webhook with this code), WRONG_AUTH_TYPE (a token of "
        "another format), insufficient_scope (no leads:write)"
    ),
    404: _error("ERROR_METHOD_NOT_FOUND: a method other than crm.lead/deal/contact.add, batch"),
    413: {"model": ErrorOut, "description": "a body over the gateway's limit"},
    422: {"model": ErrorOut, "description": "the gateway's error shape, as on every route"},
    500: _error("INTERNAL_SERVER_ERROR: the lead could not be stored; retry"),
    503: _error("QUERY_LIMIT_EXCEEDED: the token's rate is spent; retry later"),
}

_PAIRS = {
    "type": "object",
    "additionalProperties": {"type": "string"},
    "description": "bracketed pairs: fields[TITLE], fields[NAME], fields[PHONE][0][VALUE], "
    "fields[EMAIL][0][VALUE], fields[ORIGIN_ID]…; batch: halt, cmd[<key>]",
}
BODY: dict[str, Any] = {
    "required": False,
    "content": {
        "application/x-www-form-urlencoded": {"schema": _PAIRS},
        "multipart/form-data": {"schema": _PAIRS},
        "application/json": {
            "schema": {
                "type": "object",
                "description": "the same parameters as JSON: {fields: {TITLE, NAME, PHONE: "
                "[{VALUE}], …}} or {halt, cmd: {<key>: '<method>?<parameters>'}}",
            }
        },
    },
}
USER = "a Bitrix24 user number, taken and not checked"
CODE = "a token of format bitrix24 with leads:write: it authorises the call and names the source"
METHOD = (
    "crm.lead.add, crm.deal.add, crm.contact.add or batch, with or without .json; GET takes "
    "the parameters in the query string"
)
