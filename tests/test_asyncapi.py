"""The shipped AsyncAPI document is the one the code generates."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from crm_shared.asyncapi import render

DOC = Path(__file__).resolve().parent.parent / "docs" / "asyncapi.yaml"


def test_committed_asyncapi_document_is_current() -> None:
    assert DOC.read_text(encoding="utf-8") == render(), "run `make asyncapi` and commit"


def test_faststream_cli_generates_it(tmp_path: Path) -> None:
    out = tmp_path / "asyncapi.yaml"
    faststream = Path(sys.executable).parent / "faststream"
    subprocess.run(
        [
            str(faststream),
            "docs",
            "gen",
            "--factory",
            "crm_shared.asyncapi:build_app",
            "--yaml",
            "--out",
            str(out),
        ],
        check=True,
        capture_output=True,
        cwd=tmp_path,
    )
    text = out.read_text(encoding="utf-8")
    for subject in ("crm.lead.received", "crm.cmd.deal.move", "crm.deal.stage_changed"):
        assert subject in text
