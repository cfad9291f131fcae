"""`parse_event` reads an envelope in one pass from its bytes when it can; every body gets
the same answer as by `json.loads`, the envelope and the data one after another."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import BaseModel

from bench.load import lead
from bench.poison import random_bodies
from crm_shared.contracts.deal import LeadReceived
from crm_shared.contracts.dto import Task
from crm_shared.contracts.envelope import CloudEvent
from crm_shared.contracts.task import TaskOpened
from crm_shared.machinery.consumer import Invalid
from crm_shared.machinery.parsing import _parse_event_slowly, parse_event


class _Msg:
    def __init__(self, data: bytes, headers: dict[str, str] | None = None) -> None:
        self.data, self.headers, self.subject = data, headers, "crm.test"


def _answer(read: Any, body: bytes, model: type[BaseModel], bare: bool) -> tuple[str, object]:
    try:
        event_id, data = read(_Msg(body, {"Nats-Msg-Id": "m-1"}), model, allow_bare=bare)
    except Invalid as exc:
        return ("invalid", str(exc))
    return (event_id, data.model_dump(mode="json"))


def _task_opened() -> bytes:
    now = datetime.now(UTC)
    task = Task(id="t1", deal_id="d1", stage="NEW_LEAD", title="Позвонить «Ромашке»",
                responsible_id="mgr-1", deadline=now, opened_at=now)  # fmt: skip
    return CloudEvent.encode(source="s", type="t", subject="d1", data=TaskOpened(task=task))[1]


def _variants() -> list[bytes]:
    good = json.loads(lead("ext-1", 1))
    bodies = [lead("ext-1", 1), json.dumps(good["data"]).encode()]
    changes: list[dict[str, Any]] = [
        {"specversion": None}, {"specversion": 1}, {"id": ""}, {"id": "x" * 201},
        {"id": "a\u0000b"}, {"data": []}, {"data": {**good["data"], "amount": 1e3}},
        {"data": {**good["data"], "amount": "12.50"}}, {"data": {**good["data"], "amount": -1}},
        {"data": {**good["data"], "external_id": ""}}, {"extra": {"x": [1, 2]}},
        {"data": {**good["data"], "amount": 1500.5}},
    ]  # fmt: skip
    for change in changes:
        bodies.append(json.dumps({**good, **change}, ensure_ascii=False).encode())
    bare = {k: v for k, v in good.items() if k != "specversion"}
    bodies += [json.dumps(bare).encode(), lead("ext-2", 2) + b" x", b"\xef\xbb\xbf" + lead("e", 3)]
    bodies.append(lead("ext-4", 4).replace("Клиент".encode(), b"\\ud800"))
    return bodies


@pytest.mark.parametrize("bare", [True, False])
def test_the_one_pass_gives_every_body_the_same_answer(bare: bool) -> None:
    bodies = [*_variants(), *random_bodies(400, seed=25)]
    for body in bodies:
        fast = _answer(parse_event, body, LeadReceived, bare)
        slow = _answer(_parse_event_slowly, body, LeadReceived, bare)
        assert fast == slow, body[:200]
    body = _task_opened()
    fast = _answer(parse_event, body, TaskOpened, False)
    assert fast == _answer(_parse_event_slowly, body, TaskOpened, False)
    assert fast[0] != "invalid"
