"""A request the gateway refuses itself (before or instead of asking a service)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


class Refusal(Exception):
    """Answered as HTTP `status` with `{"error": {"code", "message", ...}}`; a `reason` is
    put into `params`, where the services' refusals carry theirs (the catalogue's key)."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}
        if "reason" in extra:
            extra["params"] = {"reason": extra.pop("reason"), **(extra.get("params") or {})}
        self.extra = extra

    def body(self) -> dict[str, Any]:
        """The JSON error body."""
        return {"error": {"code": self.code, "message": self.message, **self.extra}}


def for_programs(errors: Iterable[Mapping[str, Any]]) -> str:
    """Pydantic's errors as a refusal's `message` says them, in English for programs and
    logs (people read `params.problems`, in Russian): «amount: Input should be a valid
    number»."""
    return "; ".join(
        f"{'.'.join(str(p) for p in e.get('loc', ())) or 'body'}: {e.get('msg', '')}"
        for e in errors
    )


def told(message: str) -> Refusal:
    """400 `invalid` that the gateway words itself, in Russian, for the person who sent the
    form: the board and the CLI say `message` as it is (the catalogue's `invalid.told`)."""
    return Refusal(400, "invalid", message, params={"reason": "told", "told": message})


def bad_token() -> Refusal:
    """401 for a bearer token the gateway does not know (unknown, revoked, malformed, or
    another source's), with `WWW-Authenticate` as RFC 6750 words it: the caller's fix is
    another credential, not other rights (403 stays for a known caller lacking a right)."""
    return Refusal(
        401,
        "unauthenticated",
        "unknown or revoked token",
        headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        reason="token",
    )


def too_many(retry_after: float, what: str) -> Refusal:
    """429 with Retry-After in whole seconds."""
    seconds = max(1, int(retry_after + 0.999))
    return Refusal(
        429,
        "too_many_requests",
        f"{what}; try again in {seconds} s",
        headers={"Retry-After": str(seconds)},
        retry_after=seconds,
    )
