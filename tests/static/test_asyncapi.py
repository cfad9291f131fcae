"""The shipped AsyncAPI document is the one the code generates."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from crm_api import render

DOC = Path(__file__).resolve().parents[2] / "docs" / "asyncapi.yaml"


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
            "crm_api:build_app",
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


def test_every_request_a_service_answers_and_every_event_is_described() -> None:
    """The document comes from the routers the services run: its request channels are their
    subscribers, and every event the services emit is one of their publishers."""
    from crm_api import build_docs
    from crm_shared.contracts import events
    from deal_service.entrypoints.rpc import endpoints as deal
    from notifier.entrypoints.rpc import endpoints as notifier
    from task_service.entrypoints.rpc import endpoints as task

    served = {subject for api in (deal(), task(), notifier()) for subject in api.subjects}
    doc = build_docs().to_specification().to_jsonable()
    channels = doc["channels"].values()
    requests = {ch["address"] for ch in channels if ch["address"].startswith("crm.cmd.")}
    requests |= {ch["address"] for ch in channels if ch["address"].startswith("crm.query.")}
    assert requests == served
    assert len(served) == 19  # a service that stopped serving its router would show here
    published = {
        op["channel"]["$ref"] for op in doc["operations"].values() if op["action"] == "send"
    }
    outbound = set(events.ALL_EVENTS) - {events.LeadReceived}
    for model in outbound:
        assert any(ref.split("/")[-1].startswith(model.SUBJECT) for ref in published), model
