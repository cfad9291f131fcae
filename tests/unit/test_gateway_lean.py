"""`POST /api/leads` is served by a LeanRoute (its endpoint without FastAPI's machinery, issue
25) placed before FastAPI's route of the same endpoint, which stays for the API's document;
no other route is. Behaviour over HTTP is the intake's own tests' (tests/e2e)."""

from __future__ import annotations

from fastapi.routing import APIRoute
from starlette.routing import Match

from gateway.entrypoints.http import leads
from gateway.entrypoints.http.app import build_app
from gateway.entrypoints.http.leads import post_lead
from gateway.entrypoints.http.lean import LeanRoute


def _scope(method: str, path: str) -> dict[str, object]:
    return {"type": "http", "method": method, "path": path, "root_path": "", "headers": []}


def test_the_lead_intake_is_matched_first_by_its_lean_route() -> None:
    app = build_app()
    first = next(
        r for r in app.router.routes if r.matches(_scope("POST", "/api/leads"))[0] == Match.FULL
    )
    assert isinstance(first, LeanRoute)
    assert first.endpoint is post_lead
    match, child = first.matches(_scope("POST", "/api/leads"))
    assert match == Match.FULL and child["route"] is first  # what Limits counts by
    assert first.matches(_scope("GET", "/api/leads"))[0] == Match.PARTIAL  # 405, as before


def test_fastapis_route_stays_for_the_document_and_only_the_intake_is_lean() -> None:
    app = build_app()
    lean = [r for r in app.router.routes if isinstance(r, LeanRoute)]
    assert [r.path for r in lean] == ["/api/leads"]
    assert any(isinstance(r, APIRoute) and r.path == "/api/leads" for r in leads.router.routes)
    operation = app.openapi()["paths"]["/api/leads"]["post"]
    assert operation["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/LeadIn"
    }
    assert "202" in operation["responses"]
