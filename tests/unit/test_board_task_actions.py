"""Who is offered «Перенести срок» on a task's row (partials/task.html), as task-service's
`own.reschedule` decides who may: a РОП on any task, a manager on the own tasks that are
theirs. Мария, given Иван's deal, had no way to move the «Перезвонить клиенту» Иван set:
the row offered it to the task's setter only."""

from __future__ import annotations

from typing import Any

import pytest

from crm_shared.config import config_from_data
from gateway.domain.people import Principal
from gateway.entrypoints.web.render import Pages
from tests.configs import default_data

PAGES = Pages(config_from_data(default_data()))
ROLES = {"rop-1": "rop", "mgr-1": "manager", "mgr-2": "manager"}


def _offers_move(me: str, **task: Any) -> bool:
    row = {
        "id": "t-1",
        "deal_id": "d-1",
        "title": "Перезвонить клиенту",
        "status": "open",
        "deadline": "2099-01-01T12:00:00Z",
        "kind": "own",
        "creator_id": "mgr-1",
        "responsible_id": "mgr-1",
        **task,
    }
    principal = Principal(kind="user", id=me, name=me, role=ROLES[me])
    page = PAGES.env.get_template("partials/task.html").render(
        me=principal, task=row, deal_link=None, zone=PAGES.zone(None)
    )
    assert "Выполнить" in page  # the row's actions are drawn
    return "Перенести срок" in page


@pytest.mark.parametrize(
    ("me", "task", "offered"),
    [
        ("mgr-1", {}, True),  # set by him, his
        ("mgr-2", {"responsible_id": "mgr-2"}, True),  # inherited with the deal
        ("mgr-1", {"responsible_id": "mgr-2"}, False),  # no longer his
        ("mgr-1", {"creator_id": "rop-1"}, True),  # the РОП set it for him
        ("mgr-1", {"kind": "stage", "creator_id": "rop-1"}, False),  # the РОП's deadline
        ("mgr-1", {"kind": "rop", "creator_id": None}, False),
        ("rop-1", {"kind": "stage", "creator_id": "rop-1"}, True),
    ],
)
def test_move_is_offered_to_whoever_may_move(me: str, task: dict[str, Any], offered: bool) -> None:
    assert _offers_move(me, **task) is offered
