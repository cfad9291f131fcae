"""The authorization matrix: every operation of docs/openapi.json × every kind of caller,
with the expected answer of each in one table. An operation without a row fails (so does a
row without an operation), and nothing is ever answered 5xx.

Bitrix24's address (`/rest/<user>/<code>/<method>`) is authorised by the code in its path,
not by the caller: its rows are `ok` for every caller given a bitrix24 token, and a table of
its own (REST_CODES) says what each other code gets, in Bitrix24's error shape.

Callers: anonymous; mgr-2 (another manager, on mgr-1's deal); mgr-1 (whose the deal and its
task are); the РОП; and a token per scope, acting as the РОП (so its scope is all that
limits it). `ok` is any answer that is not 401/403 (a 2xx, or a refusal for another reason,
e.g. a task already completed); `401` and `403` are exactly those.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx

from tests.gateway_support import PASSWORD, Door, door
from tests.support import Client, eventually

OPENAPI = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"
SCOPES = (
    "leads:write",
    "deals:read",
    "deals:write",
    "tasks:read",
    "tasks:write",
    "events:read",
    "reports:read",
)
CALLERS = ("anon", "other", "mgr", "rop", *SCOPES)
# anon other mgr rop | leads:write deals:read deals:write tasks:read tasks:write events:read
# reports:read
_ = "ok"
TABLE: dict[str, str] = {
    "POST /api/leads": "401 ok ok ok | ok 403 403 403 403 403 403",
    "POST /intake/{source}": "401 401 401 401 | ok 403 403 403 403 403 403",
    "GET /api/session": "401 ok ok ok | ok ok ok ok ok ok ok",
    "POST /api/session": "ok ok ok ok | ok ok ok ok ok ok ok",
    "GET /api/users": "401 ok ok ok | ok ok ok ok ok ok ok",
    "GET /api/pipeline": "401 ok ok ok | ok ok ok ok ok ok ok",
    "GET /api/deals": "401 ok ok ok | 403 ok 403 403 403 403 403",
    "POST /api/deals": "401 ok ok ok | 403 403 ok 403 403 403 403",
    "GET /api/deals/board": "401 ok ok ok | 403 ok 403 403 403 403 403",
    "GET /api/deals/{deal_id}": "401 403 ok ok | 403 ok 403 403 403 403 403",
    "PATCH /api/deals/{deal_id}": "401 403 ok ok | 403 403 ok 403 403 403 403",
    "POST /api/deals/{deal_id}/move": "401 403 ok ok | 403 403 ok 403 403 403 403",
    "POST /api/deals/{deal_id}/contact-attempts": "401 403 ok ok | 403 403 ok 403 403 403 403",
    "GET /api/tasks": "401 ok ok ok | 403 403 403 ok 403 403 403",
    "POST /api/tasks/{task_id}/complete": "401 403 ok ok | 403 403 403 403 ok 403 403",
    "POST /api/tasks/{task_id}/comments": "401 403 ok ok | 403 403 403 403 ok 403 403",
    "GET /api/tasks/{task_id}/comments": "401 403 ok ok | 403 403 403 ok 403 403 403",
    "GET /api/notifications": "401 ok ok ok | 403 403 403 ok 403 403 403",
    "POST /api/notifications/read": "401 ok ok ok | 403 403 403 403 ok 403 403",
    "GET /api/reports/funnel": "401 403 403 ok | 403 403 403 403 403 403 ok",
    "GET /api/reports/period": "401 403 403 ok | 403 403 403 403 403 403 ok",
    "GET /api/events": "401 ok ok ok | 403 403 403 403 403 ok 403",
    "GET /api/notifications/events": "401 ok ok ok | 403 403 403 403 403 ok 403",
    "GET /api/tokens": "401 403 403 ok | 403 403 403 403 403 403 403",
    "POST /api/tokens": "401 403 403 ok | 403 403 403 403 403 403 403",
    "DELETE /api/tokens/{token}": "401 403 403 ok | 403 403 403 403 403 403 403",
    "GET /api/search": "401 ok ok ok | 403 ok 403 403 403 403 403",
    "GET /api/contacts/{contact_id}": "401 403 ok ok | 403 ok 403 403 403 403 403",
    "GET /api/deals/{deal_id}/timeline": "401 403 ok ok | 403 ok 403 403 403 403 403",
    "POST /api/deals/{deal_id}/notes": "401 403 ok ok | 403 403 ok 403 403 403 403",
    "POST /api/deals/{deal_id}/approval/decline": "401 403 403 ok | 403 403 ok 403 403 403 403",
    "POST /api/deals/{deal_id}/tasks": "401 403 ok ok | 403 403 403 403 ok 403 403",
    "POST /api/tasks/{task_id}/reschedule": "401 403 403 ok | 403 403 403 403 ok 403 403",
    # Bitrix24's address: the code in the path authorises (a bitrix24 token here), whatever
    # session or Bearer the caller has; codes that do not are in REST_CODES below.
    "GET /rest/{user}/{code}/{method}": "ok ok ok ok | ok ok ok ok ok ok ok",
    "POST /rest/{user}/{code}/{method}": "ok ok ok ok | ok ok ok ok ok ok ok",
    "DELETE /api/session": "401 ok ok ok | ok ok ok ok ok ok ok",  # last: it signs out
}
REST = "/rest/1/{code}/crm.lead.add.json"
# Who calls Bitrix24's address with which code, and what Bitrix24's error answer is.
REST_CODES: dict[str, tuple[int, str | None]] = {
    "anonymous (no token in the path)": (401, "INVALID_CREDENTIALS"),
    "a token's shape, unknown": (401, "INVALID_CREDENTIALS"),
    "a bitrix24 token, wrong secret": (401, "INVALID_CREDENTIALS"),
    "a bitrix24 token, revoked": (401, "INVALID_CREDENTIALS"),
    "a live token of format json": (401, "WRONG_AUTH_TYPE"),
    "a bitrix24 token without leads:write": (401, "insufficient_scope"),
    "a bitrix24 token, an unknown method": (404, "ERROR_METHOD_NOT_FOUND"),
    "a bitrix24 token": (200, None),
}
BODIES: dict[str, Any] = {
    "POST /api/leads": {"contact": {"name": "Матрица"}},
    "POST /intake/{source}": {"contact": {"name": "Матрица, форма"}},
    "POST /api/session": {"user_id": "mgr-1", "password": PASSWORD},
    "POST /api/deals": {"title": "Матрица", "contact": {"name": "Матрица"}},
    "PATCH /api/deals/{deal_id}": {"title": "Матрица"},
    "POST /api/deals/{deal_id}/move": {"to_stage": "PROCESSING"},
    "POST /api/deals/{deal_id}/contact-attempts": {"note": "не взял трубку"},
    "POST /api/tasks/{task_id}/comments": {"text": "проверка"},
    "POST /api/notifications/read": {"all": True},
    "POST /api/tokens": {"name": "made-by-matrix", "scopes": ["leads:write"]},
    "POST /api/deals/{deal_id}/notes": {"text": "проверка"},
    "POST /api/deals/{deal_id}/approval/decline": {"reason": "проверка"},
    "POST /api/deals/{deal_id}/tasks": {"title": "Перезвонить", "deadline": "2099-01-01T12:00:00Z"},
    "POST /api/tasks/{task_id}/reschedule": {"deadline": "2099-01-01T12:00:00Z", "reason": "так"},
    "POST /rest/{user}/{code}/{method}": {"fields": {"NAME": "Матрица, Bitrix24"}},
}
RESCHEDULE = "POST /api/tasks/{task_id}/reschedule"
QUERY = {"from": "2026-01-01", "to": "2026-02-01", "q": "Пётр"}


def _expected() -> dict[tuple[str, str], str]:
    out: dict[tuple[str, str], str] = {}
    for op, row in TABLE.items():
        cells = row.replace("|", " ").split()
        assert len(cells) == len(CALLERS), op
        out.update({(op, caller): cell for caller, cell in zip(CALLERS, cells, strict=True)})
    return out


def _operations() -> list[tuple[str, str, dict[str, Any]]]:
    document = json.loads(OPENAPI.read_text())
    return [
        (method.upper(), path, op)
        for path, ops in document["paths"].items()
        for method, op in ops.items()
    ]


def test_every_operation_has_a_row_and_every_row_an_operation() -> None:
    documented = {f"{m} {p}" for m, p, _ in _operations()}
    assert documented - set(TABLE) == set(), "operations without a row in the matrix"
    assert set(TABLE) - documented == set(), "rows for operations the document lacks"
    for method, path, op in _operations():
        if "requestBody" in op:
            assert f"{method} {path}" in BODIES, f"no body for {method} {path}"


async def test_the_authorization_matrix(clean: Any, client: Client) -> None:
    async with door(clean) as d:
        deal = await client.deal_for("mgr-1", title="Чья-то сделка")
        # a stage task no row closes: who may move its deadline is all its row measures
        spare = await client.deal_for("mgr-1", title="Ещё одна сделка")

        async def task(of: dict[str, Any]) -> str | None:
            found = await client.request(
                "crm.query.task.list", {"actor_id": "rop-1", "deal_id": of["id"]}
            )
            return found["items"][0]["id"] if found["items"] else None

        task_id = await eventually(lambda: task(deal))
        open_task = await eventually(lambda: task(spare))
        made = {s: (await d.token(f"m-{s}", [s], owner="rop-1")).token for s in SCOPES}
        await d.token("victim", ["leads:write"])
        params = {"deal_id": deal["id"], "task_id": task_id, "source": "m-leads:write"}
        params["contact_id"] = deal["contact"]["id"]
        params["token"] = "victim"
        b24 = await d.token("m-b24", ["leads:write"], format="bitrix24")
        params |= {"user": "1", "code": b24.token, "method": "crm.lead.add.json"}
        expected = _expected()
        ops = sorted(_operations(), key=lambda o: f"{o[0]} {o[1]}" == "DELETE /api/session")
        got: dict[tuple[str, str], int] = {}
        async with _callers(d, made) as callers:
            for method, path, op in ops:
                key = f"{method} {path}"
                ids = params | ({"task_id": open_task} if key == RESCHEDULE else {})
                url = path.format(**{k: v for k, v in ids.items() if "{" + k in path})
                for name in CALLERS:
                    got[(key, name)] = await _call(d, callers[name], method, url, op, key)
        wrong = {
            k: (got[k], want)
            for k, want in expected.items()
            if (want == "ok" and got[k] in (401, 403)) or (want != "ok" and str(got[k]) != want)
        }
        assert not wrong, json.dumps({f"{k[0]} as {k[1]}": v for k, v in wrong.items()}, indent=1)
        assert not [k for k, status in got.items() if status >= 500]


async def test_bitrix24s_address_answers_each_code_in_its_documented_shape(clean: Any) -> None:
    document = json.loads(OPENAPI.read_text())
    error_fields = set(document["components"]["schemas"]["B24ErrorOut"]["required"])
    result_fields = set(document["components"]["schemas"]["B24Result"]["required"])
    documented = document["paths"]["/rest/{user}/{code}/{method}"]
    async with door(clean) as d:
        good = (await d.token("b24", ["leads:write"], format="bitrix24")).token
        gone = (await d.token("b24-gone", ["leads:write"], format="bitrix24")).token
        await d.gateway.ctx.tokens.revoke("b24-gone")
        codes = {
            "anonymous (no token in the path)": "-",
            "a token's shape, unknown": "crm_00000000000000000000000000000000_" + "x" * 32,
            "a bitrix24 token, wrong secret": good[:-2] + "xx",
            "a bitrix24 token, revoked": gone,
            "a live token of format json": (await d.token("j", ["leads:write"])).token,
            "a bitrix24 token without leads:write": (
                await d.token("b24-reader", ["events:read"], format="bitrix24")
            ).token,
            "a bitrix24 token, an unknown method": good,
            "a bitrix24 token": good,
        }
        async with d.client() as http:
            for who, (status, error) in REST_CODES.items():
                url = REST.format(code=codes[who])
                if "unknown method" in who:
                    url = url.replace("crm.lead.add", "crm.lead.delete")
                for method in ("GET", "POST"):
                    fields = {"fields[NAME]": f"Матрица, {method}"}
                    reply = await http.request(
                        method,
                        url,
                        params=fields if method == "GET" else None,
                        data=fields if method == "POST" else None,
                    )
                    assert reply.status_code == status, (who, method, reply.text)
                    assert str(status) in documented[method.lower()]["responses"]
                    body = reply.json()
                    if error is None:
                        assert set(body) == result_fields and isinstance(body["result"], int)
                    else:
                        assert set(body) == error_fields and body["error"] == error, body
                        assert any("а" <= ch <= "я" for ch in body["error_description"])


@asynccontextmanager
async def _callers(d: Door, tokens: dict[str, str]) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    async with (
        d.client() as anon,
        d.as_user("mgr-2") as other,
        d.as_user("mgr-1") as mgr,
        d.as_user("rop-1") as rop,
    ):
        clients = {"anon": anon, "other": other, "mgr": mgr, "rop": rop}
        for scope, token in tokens.items():
            clients[scope] = d.client(headers={"Authorization": f"Bearer {token}"})
        try:
            yield clients
        finally:
            for scope in tokens:
                await clients[scope].aclose()


async def _call(
    d: Door, http: httpx.AsyncClient, method: str, url: str, op: dict[str, Any], key: str
) -> int:
    query = {
        p["name"]: QUERY[p["name"]]
        for p in op.get("parameters", [])
        if p["in"] == "query" and p.get("required")
    }
    body = BODIES.get(key)
    if key == "POST /api/session":  # a sign-in in a client of its own: keep the callers'
        async with d.client(headers=_auth_only(http)) as fresh:
            return (await fresh.post(url, json=body)).status_code
    if url.endswith("/events"):
        async with http.stream(method, url, params=query) as reply:
            return reply.status_code
    reply = await http.request(method, url, params=query, json=body)
    return reply.status_code


def _auth_only(http: httpx.AsyncClient) -> dict[str, str]:
    value = http.headers.get("authorization")
    return {"Authorization": value} if value else {}
