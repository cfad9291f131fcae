"""Every answer of the door carries the security headers; only allowed Host names are
answered; the API's pages come from vendored files, and no page runs an inline script."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from gateway.entrypoints.http.door import host_allowed
from tests.gateway_support import door

TEMPLATES = Path(__file__).resolve().parents[2] / "services/gateway/gateway/templates"


def _secured(headers: Any) -> None:
    csp = headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert "unsafe-eval" not in csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"


async def test_every_answer_carries_the_security_headers(clean: Any) -> None:
    async with door(clean, services=False, max_body_bytes=1024) as d, d.client() as http:
        answers = [
            await http.get("/api/session"),  # 401
            await http.get("/signin"),  # a page
            await http.get("/board"),  # a redirect to sign in
            await http.get("/static/board/board.js"),
            await http.get("/api/openapi.json"),
            await http.get("/nowhere"),  # 404
            await http.post("/api/leads", content=b"x" * 2048),  # 413
            await http.post("/intake/none", json={}),  # 403
        ]
        for reply in answers:
            _secured(reply.headers)
        async with d.as_user("mgr-1") as person:
            _secured((await person.get("/api/users")).headers)


async def test_only_allowed_hosts_are_answered(clean: Any) -> None:
    async with door(clean, services=False) as d, d.client() as http:
        assert (await http.get("/signin")).status_code == 200  # 127.0.0.1 by default
        forged = await http.get("/signin", headers={"Host": "evil.example"})
        assert forged.status_code == 400
        assert forged.json()["error"]["code"] == "bad_host"
        _secured(forged.headers)
    allowed = ("crm.example.com", "*.crm.example.com")
    async with door(clean, services=False, allowed_hosts=allowed) as d, d.client() as http:
        for host in ("crm.example.com", "crm.example.com:8443", "eu.crm.example.com"):
            assert (await http.get("/signin", headers={"Host": host})).status_code == 200
        assert (await http.get("/signin")).status_code == 400  # 127.0.0.1 no longer
    assert host_allowed("[::1]:8000", ("::1",)) and not host_allowed("", ("localhost",))
    assert not host_allowed("crm.example.com.evil.io", ("crm.example.com",))


async def test_the_api_pages_are_served_from_vendored_files(clean: Any) -> None:
    async with door(clean, services=False) as d, d.client() as http:
        page = await http.get("/api/docs")
        assert page.status_code == 200
        assert "cdn" not in page.text.lower() and "http" not in page.text.split("<body>")[1]
        sources = re.findall(r'<(?:script|link)[^>]*(?:src|href)="([^"]+)"', page.text)
        assert len(sources) == 3
        for source in sources:
            assert source.startswith("/static/"), source
            assert (await http.get(source)).status_code == 200
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page.text)  # no inline script


def test_no_template_runs_an_inline_script() -> None:
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text()
        for tag in re.findall(r"<script\b[^>]*>", text):
            assert "src=" in tag or 'type="application/json"' in tag, (template, tag)
        assert not re.search(r"\son[a-z]+\s*=", text), template  # no onclick= and the like
        assert "hx-on" not in text and "javascript:" not in text, template


async def test_a_body_that_is_not_json_is_said_without_where_reading_stopped(clean: Any) -> None:
    """It read «неверный запрос: 49: тело запроса — не корректный JSON»: pydantic's location of
    the error (the offset where reading stopped) given as if it were a field."""
    async with door(clean, services=False) as d, d.as_user("mgr-1") as http:
        answer = await http.post(
            "/api/deals/d-1/move",
            content=b'{"to_stage":"WON","expected_version":}',
            headers={"content-type": "application/json"},
        )
    assert answer.status_code == 400
    said = "Тело запроса: не читается как JSON"
    error = answer.json()["error"]
    assert (error["code"], error["params"]) == ("invalid", {"reason": "form", "problems": said})
    # `message` is for programs and logs, in English (people read `params.problems`)
    assert error["message"] == "invalid request: body: JSON decode error", error


async def test_a_field_a_route_refuses_is_named_in_russian(clean: Any) -> None:
    """A route's model (FastAPI's own validation) says each field as the lead routes do:
    it fell back to pydantic's English («Input should be a valid string»)."""
    async with door(clean, services=False) as d, d.as_user("mgr-1") as http:
        answer = await http.post(
            "/api/deals/d-1/move", json={"to_stage": 5, "expected_version": "два"}
        )
    assert answer.status_code == 400
    said = "Стадия: нужен текст; Версия сделки: нужно целое число"
    assert answer.json()["error"]["params"] == {"reason": "form", "problems": said}
    assert answer.json()["error"]["message"] == (
        "invalid request: to_stage: Input should be a valid string; "
        "expected_version: Input should be a valid integer, unable to parse string as an integer"
    )
