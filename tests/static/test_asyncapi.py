"""The shipped AsyncAPI document is the one the code generates."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from crm_shared.contracts.catalogue import ALL_EVENTS
from crm_shared.contracts.deal import LeadReceived
from crm_shared.devstack.services import BY_NAME
from tools.crm_api import build_docs, endpoints, render

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
            "tools.crm_api:build_app",
            "--yaml",
            "--out",
            str(out),
        ],
        check=True,
        capture_output=True,
        cwd=DOC.parents[1],  # the repository's root: `tools` is imported from there
    )
    text = out.read_text(encoding="utf-8")
    for subject in ("crm.lead.received", "crm.cmd.deal.move", "crm.deal.stage_changed"):
        assert subject in text


def test_every_request_a_service_answers_and_every_event_is_described() -> None:
    """The document comes from the routers the services run: its request channels are their
    subscribers, and every event the services emit is one of their publishers."""
    served = {subject for api in endpoints() for subject in api.subjects}
    doc = build_docs().to_specification().to_jsonable()
    channels = doc["channels"].values()
    requests = {ch["address"] for ch in channels if ch["address"].startswith("crm.cmd.")}
    requests |= {ch["address"] for ch in channels if ch["address"].startswith("crm.query.")}
    assert requests == served
    assert len(served) == 35  # a service that stopped serving its router would show here
    published = {
        op["channel"]["$ref"] for op in doc["operations"].values() if op["action"] == "send"
    }
    outbound = set(ALL_EVENTS) - {LeadReceived}
    for model in outbound:
        assert any(ref.split("/")[-1].startswith(model.SUBJECT) for ref in published), model


def _events_built(package_dir: Path) -> set[str]:
    """The event classes the package's code constructs (`TaskOpened(...)`): every event a
    service makes goes to its outbox (`uow.emit`), whether a handler or its aggregate builds it."""
    names = {model.__name__ for model in ALL_EVENTS}
    built = set()
    for path in package_dir.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                func = node.func
                name = getattr(func, "id", None) or getattr(func, "attr", None)
                if name in names:
                    built.add(name)
    return built


@pytest.mark.parametrize("api", endpoints(), ids=lambda api: api.service)
def test_each_service_declares_the_events_it_emits(api: Any) -> None:
    """What the document says a service emits is what its code builds, neither more nor less."""
    package = importlib.import_module(BY_NAME[api.service].package)
    assert package.__file__ is not None
    built = _events_built(Path(package.__file__).parent)
    assert built == {model.__name__ for model in api.emitted}


def test_the_events_each_service_consumes_are_in_the_document() -> None:
    """Each durable consumer's events, as the consumer modules define them, are channels
    `<subject>:in:<service>`; the leads are deal-service's, not a hand-kept list's."""
    doc = build_docs().to_specification().to_jsonable()
    received = {name for name in doc["channels"] if ":in:" in name}
    declared = {f"{i.model.SUBJECT}:in:{i.service}" for api in endpoints() for i in api.inbound}
    assert received == declared
    assert "crm.lead.received:in:deal-service" in declared
    assert "crm.deal.stage_changed:in:task-service" in declared
    assert {"crm.task.opened:in:notifier", "crm.deal.move_rejected:in:notifier"} <= declared


def test_the_document_names_every_notification_kind() -> None:
    """A subscriber of crm.notify.<user> learns from the document what `kind` may be."""
    from crm_shared.config import NOTIFICATION_KINDS
    from crm_shared.contracts.notify import Notification

    described = Notification.model_fields["kind"].description or ""
    for kind in NOTIFICATION_KINDS:
        assert f"`{kind}`" in described, kind
    assert "`approval_requested`" in DOC.read_text(encoding="utf-8")
