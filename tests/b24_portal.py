"""A stand-in for a Bitrix24 portal (an outside system, not ours): its REST methods over
HTTP as an incoming webhook answers them — pages of 50 with `next`/`total` (a `filter` by
`@ID`, a list of ids, and a `select` of `ID` alone are kept; other filters ignored), 503
QUERY_LIMIT_EXCEEDED when told to or past its rate (Bitrix24's leaky bucket: `burst`
requests at once, draining at `per_second`), 401 INVALID_CREDENTIALS for another (expired)
key."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

KEY = "k3yk3yk3yk3yk3y1"

FAST = ("--rate", "50")
"""`crm import bitrix24` at the fake portal's pace when it keeps no limit (Bitrix24's 2 a
second and its QUERY_LIMIT_EXCEEDED are proven in tests/integration/test_b24_portal.py)."""


def importing(url: str, plan: Path) -> tuple[str, ...]:
    """`crm import bitrix24` of the fake portal at `url` by the plan `plan`, at FAST's pace."""
    return ("import", "bitrix24", "--webhook", url, *FAST, "--mapping", str(plan))


@dataclass
class Fake:
    """The portal's rows by method, and what it was asked."""

    data: dict[str, list[dict[str, Any]]]
    limited: set[tuple[str, int]] = field(default_factory=set)
    """(method, start) answered QUERY_LIMIT_EXCEEDED once."""
    calls: list[tuple[float, str, int]] = field(default_factory=list)
    bodies: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    """(method, the request's body) of each request answered."""
    url: str = ""
    per_second: float | None = None
    """The portal's own limit (Bitrix24: 2 a second); None: no limit."""
    burst: int = 50
    refused: int = 0
    """Requests answered QUERY_LIMIT_EXCEEDED."""
    _bucket: tuple[float, float] = (0.0, 0.0)

    def _over(self) -> bool:
        """Past the rate: the bucket (drained since the last request) is full."""
        if self.per_second is None:
            return False
        now = time.monotonic()
        level, last = self._bucket
        level = max(0.0, level - (now - last) * self.per_second)
        if level + 1 > self.burst:
            self._bucket = (level, now)
            return True
        self._bucket = (level + 1, now)
        return False

    def answer(self, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        parts = path.strip("/").split("/")
        if len(parts) != 4 or parts[0] != "rest" or parts[2] != KEY:
            return 401, {
                "error": "INVALID_CREDENTIALS",
                "error_description": "Invalid request credentials",
            }
        method = parts[3].removesuffix(".json")
        start = int(body.get("start") or 0)
        self.calls.append((time.monotonic(), method, start))
        if (method, start) in self.limited or self._over():
            self.limited.discard((method, start))
            self.refused += 1
            return 503, {"error": "QUERY_LIMIT_EXCEEDED", "error_description": "Too many requests"}
        if method not in self.data:
            return 404, {
                "error": "ERROR_METHOD_NOT_FOUND",
                "error_description": "Method not found!",
            }
        self.bodies.append((method, body))
        rows = self.data[method]
        wanted = (body.get("filter") or {}).get("@ID")
        if wanted is not None:
            rows = [r for r in rows if str(r.get("ID")) in {str(i) for i in wanted}]
        if body.get("select") == ["ID"]:
            rows = [{"ID": r.get("ID")} for r in rows]
        result: Any = rows[start : start + 50]
        if method == "crm.stagehistory.list":  # this one lists its rows under "items"
            result = {"items": result}
        page: dict[str, Any] = {"result": result, "total": len(rows)}
        if start + 50 < len(rows):
            page["next"] = start + 50
        page["time"] = {"start": time.time(), "finish": time.time()}
        return 200, page


def portal_data(deals: int) -> dict[str, list[dict[str, Any]]]:
    """Stages, two users, a contact per deal (and one without a deal; each with a segment and
    a list field of how it pays), `deals` deals (the last one without a contact)."""
    contacts = [
        {
            "ID": str(i),
            "NAME": f"Клиент{i}",
            "LAST_NAME": "Битриксов",
            "PHONE": [
                {"ID": "1", "VALUE_TYPE": "WORK", "VALUE": f"+7912{i:07d}", "TYPE_ID": "PHONE"}
            ],
            "EMAIL": [],
            "UF_CRM_1800000001": "опт" if i % 2 else "розница",
            "UF_CRM_1800000002": "71",
        }
        for i in range(1, deals + 2)
    ]
    rows = [
        {
            "ID": str(100 + i),
            "TITLE": f"Сделка {i}",
            "STAGE_ID": "C1:WON" if i == 2 else "PREPARATION",
            "CATEGORY_ID": "1" if i == 2 else "0",
            "CONTACT_ID": str(i) if i < deals else None,
            "COMPANY_ID": "3" if i == 1 else "0",
            "ASSIGNED_BY_ID": "7",
            "OPPORTUNITY": "1500.00",
            "CURRENCY_ID": "RUB",
            "DATE_CREATE": "2026-03-01T10:00:00+03:00",
            "DATE_MODIFY": "2026-03-05T12:00:00+03:00",
            "UF_CRM_1700000001": "коробки",
            "UF_CRM_1700000002": "9",
            "UF_CRM_1700000003": "45" if i % 2 else "46",
        }
        for i in range(1, deals + 1)
    ]
    history: list[dict[str, Any]] = []
    for i in range(1, deals + 1):  # NEW on creation, PREPARATION two days later
        for stage, day in (("NEW", "01"), ("PREPARATION", "03")):
            history.append(
                {
                    "ID": str(len(history) + 1),
                    "TYPE_ID": 1 if stage == "NEW" else 2,
                    "OWNER_ID": str(100 + i),
                    "CREATED_TIME": f"2026-03-{day}T10:00:00+03:00",
                    "STAGE_ID": stage,
                    "CATEGORY_ID": 0,
                }
            )
    return {
        "crm.stagehistory.list": history,
        "crm.company.list": [{"ID": "3", "TITLE": "ООО Коробки"}],
        "crm.dealcategory.list": [{"ID": "1", "NAME": "Опт"}],
        "crm.dealcategory.stage.list": [
            {"STATUS_ID": "C1:NEW", "NAME": "Новый лид", "SORT": 10},
            {"STATUS_ID": "C1:WON", "NAME": "Клиент получил заказ", "SORT": 20},
        ],
        "crm.status.list": [
            {"STATUS_ID": "NEW", "NAME": "Новый лид", "ENTITY_ID": "DEAL_STAGE"},
            {
                "STATUS_ID": "PREPARATION",
                "NAME": "Подготовка документов",
                "ENTITY_ID": "DEAL_STAGE",
            },
            {"STATUS_ID": "EXECUTING", "NAME": "Получили ответ", "ENTITY_ID": "DEAL_STAGE"},
        ],
        "crm.deal.userfield.list": [
            {"ID": "11", "FIELD_NAME": "UF_CRM_1700000001", "USER_TYPE_ID": "string"},
            {
                "ID": "12",
                "FIELD_NAME": "UF_CRM_1700000003",
                "USER_TYPE_ID": "enumeration",
                "LIST": [
                    {"ID": "45", "VALUE": "Самовывоз", "SORT": "10", "DEF": "N"},
                    {"ID": "46", "VALUE": "Курьером", "SORT": "20", "DEF": "N"},
                ],
            },
        ],
        "crm.contact.userfield.list": [  # as asked with LANG: labels as text
            {
                "ID": "21",
                "FIELD_NAME": "UF_CRM_1800000001",
                "USER_TYPE_ID": "string",
                "EDIT_FORM_LABEL": "Сегментация",
            },
            {
                "ID": "22",
                "FIELD_NAME": "UF_CRM_1800000002",
                "USER_TYPE_ID": "enumeration",
                "EDIT_FORM_LABEL": "Оплата",
                "LIST": [
                    {"ID": "71", "VALUE": "По счёту", "SORT": "10", "DEF": "N"},
                    {"ID": "72", "VALUE": "Картой", "SORT": "20", "DEF": "N"},
                ],
            },
        ],
        "user.get": [
            {"ID": "7", "NAME": "Нет", "LAST_NAME": "Такого"},
            {"ID": "9", "NAME": "Анна", "LAST_NAME": "Петрова"},
        ],
        "crm.contact.list": contacts,
        "crm.deal.list": rows,
    }


@contextlib.contextmanager
def serving(fake: Fake) -> Iterator[Fake]:
    """The fake portal on a free port; `fake.url` is its webhook address."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length) if length else b"{}"
            status, body = fake.answer(self.path, json.loads(raw or b"{}"))
            data = json.dumps(body, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json; charset=utf-8")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}/rest/1/{KEY}/"
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
