"""The OpenAPI document of the gateway's HTTP API, generated from the routes.

`make openapi` (python -m gateway.entrypoints.http.openapi docs/openapi.json) writes it; a
test fails when the committed one differs from what the code generates.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from gateway.entrypoints.http.app import build_app


def render() -> str:
    """The document as committed: JSON, keys in the code's order, two-space indent."""
    return json.dumps(build_app().openapi(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    Path(sys.argv[1] if len(sys.argv) > 1 else "docs/openapi.json").write_text(
        render(), encoding="utf-8"
    )
