"""A forged paging cursor is `invalid`, never a database error answered `internal` (issue 10)."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from tests.services import running
from tests.support import FORGED_CURSORS, Client

LISTS = {
    "crm.query.deal.list": "rop-1",
    "crm.query.task.list": "rop-1",
    "crm.query.notify.list": "mgr-1",
}


async def test_a_forged_cursor_is_refused_as_invalid_by_every_list(
    clean: Any, client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    async with running(clean, "deal-service", "task-service", "notifier"):
        for subject, actor in LISTS.items():
            first = await client.request(subject, {"actor_id": actor, "limit": 1})
            assert first["ok"], first
            for name, cursor in FORGED_CURSORS.items():
                with caplog.at_level(logging.ERROR):
                    reply = await client.request(subject, {"actor_id": actor, "cursor": cursor})
                assert reply["ok"] is False, (subject, name)
                assert reply["error"]["code"] == "invalid", (subject, name, reply)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_the_cursors_the_lists_hand_out_page_through_every_deal(
    clean: Any, client: Client
) -> None:
    async with running(clean, "deal-service"):
        made = [(await client.cmd("deal.create", actor_id="mgr-1"))["deal"]["id"] for _ in range(3)]
        seen: list[str] = []
        cursor = None
        for _ in range(4):
            page = await client.request(
                "crm.query.deal.list",
                {"actor_id": "rop-1", "limit": 1, **({"cursor": cursor} if cursor else {})},
            )
            seen += [d["id"] for d in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == made[::-1]
