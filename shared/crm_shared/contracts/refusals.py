"""How a request is refused: the codes, the `error` of a refusal reply, the exception a
handler raises (and the request client raises again on the caller's side), and the two reply
envelopes: shared by every owner's requests."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field


class ErrorCode(StrEnum):
    """Codes of a refusal."""

    invalid = "invalid"
    not_found = "not_found"
    forbidden = "forbidden"
    missing_fields = "missing_fields"
    transition_not_allowed = "transition_not_allowed"
    rop_approval_required = "rop_approval_required"
    version_conflict = "version_conflict"
    unavailable = "unavailable"
    internal = "internal"


class ErrorBody(BaseModel):
    """The `error` of a refusal."""

    code: ErrorCode
    message: str
    missing_fields: list[str] | None = None
    params: dict[str, str | None] | None = Field(
        None,
        description="what a sentence for people needs: `reason` (the case of the code) and "
        "its values (`stage`, `method`, ...); people read crm_shared.locale's sentence, "
        "never `message`",
    )
    correlation_id: str | None = Field(
        None, description="with `internal`: the id under which the service logged the failure"
    )


class Refused(Exception):
    """Raised by a handler to refuse a command; turned into `{"ok": false, "error": ...}`."""

    def __init__(
        self,
        code: ErrorCode,
        message: str,
        missing_fields: list[str] | None = None,
        **params: str | None,
    ) -> None:
        super().__init__(message)
        self.error = ErrorBody(
            code=code, message=message, missing_fields=missing_fields, params=params or None
        )

    @classmethod
    def of(cls, error: ErrorBody) -> Refused:
        """The refusal a reply carried, as the caller's exception (the request client's)."""
        refused = cls(error.code, error.message, error.missing_fields)
        refused.error = error
        return refused


def ok(**payload: Any) -> dict[str, Any]:
    """A successful reply."""
    return {"ok": True, **payload}


def refusal(error: ErrorBody) -> dict[str, Any]:
    """A refusal reply."""
    return {"ok": False, "error": error.model_dump(mode="json", exclude_none=True)}
