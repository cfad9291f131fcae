"""Bitrix24's REST protocol as an incoming webhook speaks it (`/rest/<user>/<code>/<method>`):
its parameter encoding, its answers and its errors. Pure: no I/O.

Parameters arrive as Bitrix24 (PHP) reads them: a query string or url-encoded form of
bracketed keys (`fields[TITLE]=…`, `fields[PHONE][0][VALUE]=…`), or JSON, which is
flattened into the same pairs, so one reader serves every transport.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

Pairs = list[tuple[str, str]]

ADD_METHODS = {"crm.lead.add": "lead", "crm.deal.add": "deal", "crm.contact.add": "contact"}
"""The methods taken in, each onto the same lead intake, and what Bitrix24 would have made."""
BATCH = "batch"
BATCH_LIMIT = 50
"""Commands in one batch, as Bitrix24 allows."""


class B24Error(Exception):
    """An answer in Bitrix24's error shape: `{"error": code, "error_description": text}`."""

    def __init__(self, status: int, code: str, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.code = code
        self.description = description

    def body(self) -> dict[str, str]:
        """The JSON body Bitrix24 sends with the error."""
        return {"error": self.code, "error_description": self.description}


# Bitrix24's system errors (apidocs.bitrix24.com/error-codes.html): code and HTTP status
# as it sends them; the descriptions are ours, in Russian.
def invalid_credentials() -> B24Error:
    """No live webhook with this code (unknown, revoked or malformed)."""
    return B24Error(401, "INVALID_CREDENTIALS", "вебхук не найден или отозван")


def wrong_auth_type(fmt: str) -> B24Error:
    """A live token of another format: not a Bitrix24 webhook."""
    return B24Error(
        401,
        "WRONG_AUTH_TYPE",
        f"этот токен не для Bitrix24 (формат {fmt}); создайте токен с --format bitrix24",
    )


def insufficient_scope() -> B24Error:
    """The token may not send leads."""
    return B24Error(401, "insufficient_scope", "у токена нет права leads:write")


def query_limit(seconds: float) -> B24Error:
    """The token's rate is spent (Bitrix24 answers 503 and a client retries)."""
    return B24Error(
        503, "QUERY_LIMIT_EXCEEDED", f"слишком много запросов; повторите через {seconds:.0f} с"
    )


def method_not_found(name: str) -> B24Error:
    """A method this gateway does not take."""
    taken = ", ".join([*ADD_METHODS, BATCH])
    return B24Error(
        404, "ERROR_METHOD_NOT_FOUND", f"метод {name!r} не найден; принимаются: {taken}"
    )


def invalid(description: str) -> B24Error:
    """Parameters that cannot make a lead (400)."""
    return B24Error(400, "INVALID_ARG_VALUE", description)


def unavailable() -> B24Error:
    """The lead could not be stored (Bitrix24's INTERNAL_SERVER_ERROR: retry)."""
    return B24Error(500, "INTERNAL_SERVER_ERROR", "лид не сохранён; повторите запрос")


def method_name(path: str) -> str:
    """The method of the path's last part: `crm.lead.add.json` → `crm.lead.add` (the `.json`
    transport is the default; names are case-insensitive, as Bitrix24 reads them)."""
    name = path.strip().lower()
    return name.removesuffix(".json")


def flatten(value: Any, prefix: str = "") -> Pairs:
    """JSON parameters as the bracketed pairs a form would carry:
    `{"fields": {"PHONE": [{"VALUE": "1"}]}}` → `[("fields[PHONE][0][VALUE]", "1")]`."""
    pairs: Pairs = []
    if isinstance(value, Mapping):
        for key, item in value.items():
            pairs += flatten(item, f"{prefix}[{key}]" if prefix else str(key))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            pairs += flatten(item, f"{prefix}[{index}]")
    elif value is not None and prefix:
        text = ("Y" if value else "N") if isinstance(value, bool) else str(value)
        pairs.append((prefix, text))
    return pairs


def lead_digest(method: str, pairs: Sequence[tuple[str, str]]) -> str:
    """A lead's external id when the caller gave no ORIGIN_ID: the method and its `fields`
    (in any order), so the same call again is the same lead and makes no second deal."""
    fields = sorted((k, v) for k, v in pairs if k.startswith("fields["))
    text = method + "\n" + urlencode(fields)
    return "b24-" + hashlib.sha256(text.encode()).hexdigest()[:28]


@dataclass(frozen=True)
class Command:
    """One command of a batch: its key, method and parameters."""

    key: str
    method: str
    pairs: Pairs


_CMD = re.compile(r"^cmd\[([^\]]+)\]$")


def batch_commands(pairs: Sequence[tuple[str, str]]) -> tuple[bool, list[Command]]:
    """(halt, the commands) of a `batch` call: `halt=1` and `cmd[<key>]=<method>?<query>`
    (the query url-encoded inside the value, as Bitrix24 takes it)."""
    halt = False
    commands: list[Command] = []
    for key, value in pairs:
        if key == "halt":
            halt = value.strip().lower() in {"1", "y", "true"}
            continue
        m = _CMD.match(key)
        if not m:
            continue
        method, _, query = value.partition("?")
        commands.append(
            Command(m.group(1), method_name(method), parse_qsl(query, keep_blank_values=True))
        )
    if not commands:
        raise invalid("в batch нет команд (cmd[<ключ>]=<метод>?<параметры>)")
    if len(commands) > BATCH_LIMIT:
        raise B24Error(
            400,
            "ERROR_BATCH_LENGTH_EXCEEDED",
            f"в batch не больше {BATCH_LIMIT} команд, пришло {len(commands)}",
        )
    return halt, commands


def keyed(values: Mapping[str, Any]) -> Any:
    """A batch's per-command map as PHP writes it: keys 0, 1, … in order are a JSON list,
    and an empty map is `[]`."""
    keys = list(values)
    if keys == [str(i) for i in range(len(keys))]:
        return list(values.values())
    return dict(values)


def timing(started: float, finished: float) -> dict[str, Any]:
    """Bitrix24's `time` block (seconds since the epoch; dates in UTC ISO 8601)."""

    def iso(at: float) -> str:
        return datetime.fromtimestamp(at, UTC).isoformat(timespec="seconds")

    spent = max(0.0, finished - started)
    return {
        "start": round(started, 6),
        "finish": round(finished, 6),
        "duration": round(spent, 6),
        "processing": round(spent, 6),
        "date_start": iso(started),
        "date_finish": iso(finished),
        "operating_reset_at": int(started) + 600,
        "operating": 0,
    }
