"""`python -m tools.crm_api [path]`: write the AsyncAPI document (default docs/asyncapi.yaml)."""

from __future__ import annotations

import sys
from pathlib import Path

from tools.crm_api import render

out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/asyncapi.yaml")
out.parent.mkdir(parents=True, exist_ok=True)
out.write_text(render(), encoding="utf-8")
print(f"wrote {out}")
