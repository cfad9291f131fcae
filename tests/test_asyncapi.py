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


def test_every_request_a_service_answers_and_every_event_is_described() -> None:
    """The document's lists are kept by hand beside the routes: a route or an event left out
    of them fails here rather than going undocumented."""
    from crm_shared import events
    from crm_shared.asyncapi import OUTBOUND_EVENTS, REQUESTS
    from deal_service.entrypoints.rpc import ROUTES as DEAL
    from notifier.entrypoints.rpc import ROUTES as NOTIFIER
    from task_service.entrypoints.rpc import ROUTES as TASK

    served = {(model.SUBJECT, service) for routes, service in (
        (DEAL, "deal-service"), (TASK, "task-service"), (NOTIFIER, "notifier")
    ) for model, _ in routes}  # fmt: skip
    assert {(model.SUBJECT, service) for model, service, _ in REQUESTS} == served
    described = {model for model, _, _ in OUTBOUND_EVENTS}
    outbound = set(events.ALL_EVENTS) - {events.LeadReceived}
    assert outbound - described == set()
