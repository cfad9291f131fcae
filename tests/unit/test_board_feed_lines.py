"""The deal card's feed names who did a thing before it, «Иван Иванов · задача … закрыта»;
what no one did (the system opened a stage's task, or closed it when the deal moved on) is a
sentence of its own, «Задача … поставлена», with no separator after no one (it read
«· задача «…» поставлена»)."""

from __future__ import annotations

import html
import re
from typing import Any

from crm_shared.config import config_from_data
from gateway.entrypoints.web.render import Pages
from tests.configs import default_data

AT = "2026-12-06T20:30:00Z"


def _lines(*items: dict[str, Any]) -> list[str]:
    pages = Pages(config_from_data(default_data()))
    page = pages.env.get_template("partials/timeline.html").render(
        deal={"id": "d-1", "currency": "RUB"},
        timeline={"items": list(items)},
        zone=pages.zone(None),
    )
    rows = re.findall(r'<li class="event[^"]*">(.*?)</li>', page, flags=re.S)
    # each line as read, after its time (Moscow's, the default configuration's zone)
    return [html.unescape(" ".join(re.sub(r"<[^>]+>", " ", row).split())) for row in rows]


def test_a_line_no_one_did_has_no_separator_and_begins_with_a_capital() -> None:
    opened = {"kind": "task_opened", "at": AT, "actor_id": None, "title": "Связаться <с> клиентом"}
    closed = {
        "kind": "task_closed",
        "at": AT,
        "actor_id": "mgr-1",
        "title": "Связаться <с> клиентом",
        "close_reason": "completed",
    }
    by_system, by_ivan = _lines(opened, {**closed, "actor_id": None}), _lines(closed)
    assert by_system == [
        "06.12.2026 23:30 Задача «Связаться <с> клиентом» поставлена",
        "06.12.2026 23:30 Задача «Связаться <с> клиентом» закрыта — выполнена",
    ]
    assert by_ivan == [
        "06.12.2026 23:30 Иван Иванов · задача «Связаться <с> клиентом» закрыта — выполнена"
    ]


def test_a_title_is_escaped_whoever_did_it() -> None:
    note = {"kind": "note", "at": AT, "actor_id": None, "text": "<b>жирно</b>"}
    pages = Pages(config_from_data(default_data()))
    page = pages.env.get_template("partials/timeline.html").render(
        deal={"id": "d-1", "currency": "RUB"}, timeline={"items": [note]}, zone=pages.zone(None)
    )
    assert "Заметка: &lt;b&gt;жирно&lt;/b&gt;" in page
