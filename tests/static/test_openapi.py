"""The shipped OpenAPI document of the gateway is the one its routes generate."""

from __future__ import annotations

import json
from pathlib import Path

from gateway.entrypoints.http.openapi import render

DOC = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


def test_committed_openapi_document_is_current() -> None:
    assert DOC.read_text(encoding="utf-8") == render(), "run `make openapi` and commit"


def test_every_operation_with_a_body_documents_the_size_limits_413() -> None:
    """The gateway refuses any body over CRM_GATEWAY_MAX_BODY_BYTES with 413 before a route
    reads it; schemathesis found a comment over 64 KiB answered with a status its operation
    did not list."""
    paths = json.loads(DOC.read_text(encoding="utf-8"))["paths"]
    without = [
        f"{method.upper()} {path}"
        for path, operations in paths.items()
        for method, operation in operations.items()
        if "requestBody" in operation and "413" not in operation["responses"]
    ]
    assert not without, without
