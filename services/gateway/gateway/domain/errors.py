"""How a service's refusal reads over HTTP: the status, and the fields named for people."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

STATUS = {
    "invalid": 400,
    "forbidden": 403,
    "not_found": 404,
    "conflict": 409,
    "version_conflict": 409,
    "missing_fields": 422,
    "transition_not_allowed": 422,
    "rop_approval_required": 422,
    "unavailable": 503,
}


def http_status(code: str) -> int:
    """The HTTP status of a refusal code (an unknown code is a 422: refused, not broken)."""
    return STATUS.get(code, 422)


def with_display_names(error: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, Any]:
    """The service's `error` as it is, plus `fields`: each missing field with its Russian name
    (Сумма, Предмет сделки, …), so a client can ask a person for exactly those."""
    out = dict(error)
    missing = error.get("missing_fields") or []
    if missing:
        out["fields"] = [{"name": f, "display_name": names.get(f, f)} for f in missing]
    return out
