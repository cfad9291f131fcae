"""The shipped OpenAPI document of the gateway is the one its routes generate."""

from __future__ import annotations

from pathlib import Path

from gateway.entrypoints.http.openapi import render

DOC = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


def test_committed_openapi_document_is_current() -> None:
    assert DOC.read_text(encoding="utf-8") == render(), "run `make openapi` and commit"
