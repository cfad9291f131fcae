"""Whose deals the board and the live feed show is the services' configured `access`, and a
deal taken from a manager leaves their board at once (issues 14 and 15)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.configs import config_with
from tests.gateway_support import door
from tests.sse_support import Sse, messages
from tests.support import Client, eventually

ROP, MINE, OTHER = "rop-1", "mgr-1", "mgr-2"


async def _listen(http: httpx.AsyncClient, got: list[Sse], ready: asyncio.Event) -> None:
    async with http.stream("GET", "/api/events") as reply:
        async for m in messages(reply):
            if m.comment == "connected":
                ready.set()
            elif m.id is not None:
                got.append(m)


def _deal_ids(got: list[Sse]) -> set[str | None]:
    ids: set[str | None] = set()
    for m in got:
        data = (m.data or {}).get("data", {})
        deal = data.get("deal") or {}
        ids.add(data.get("deal_id") or deal.get("id") or (data.get("task") or {}).get("deal_id"))
    return ids


async def test_access_all_shows_a_manager_every_deal_on_the_board_and_the_feed(
    clean: Any, client: Client
) -> None:
    config = config_with(change=lambda data: data.update(access={"manager": "all"}))
    async with door(clean, config=config) as d, d.as_user(OTHER) as maria:
        got: list[Sse] = []
        ready = asyncio.Event()
        feed = asyncio.create_task(_listen(maria, got, ready))
        try:
            await asyncio.wait_for(ready.wait(), 10)
            theirs = await client.deal_for(MINE, contact={"name": "Чужой"})
            board = (await maria.get("/api/deals/board")).json()
            new = next(c for c in board["stages"] if c["code"] == "NEW_LEAD")
            assert [x["id"] for x in new["items"]] == [theirs["id"]]
            only = await maria.get("/api/deals/board", params={"responsible_id": MINE})
            assert only.status_code == 200, only.text
            assert (await maria.get(f"/board/cards/{theirs['id']}")).status_code == 200
            page = await maria.get("/board")
            assert "Чужой" in page.text and 'name="manager"' in page.text  # the filter too
            await eventually(lambda: theirs["id"] in _deal_ids(got))
        finally:
            feed.cancel()
            await asyncio.gather(feed, return_exceptions=True)


async def test_a_reassigned_deal_reaches_the_previous_responsibles_feed(
    clean: Any, client: Client
) -> None:
    async with door(clean) as d, d.as_user(MINE) as ivan, d.as_user(ROP) as anna:
        deal = await client.deal_for(MINE, contact={"name": "Передать"})
        got: list[Sse] = []
        ready = asyncio.Event()
        feed = asyncio.create_task(_listen(ivan, got, ready))
        try:
            await asyncio.wait_for(ready.wait(), 10)
            assert (await ivan.get(f"/board/cards/{deal['id']}")).status_code == 200
            moved = await anna.patch(f"/api/deals/{deal['id']}", json={"responsible_id": OTHER})
            assert moved.status_code == 200, moved.text

            def handed_over() -> Sse | None:
                for m in got:
                    data = (m.data or {}).get("data", {})
                    if m.event == "crm.deal.updated.v1" and data["deal"]["id"] == deal["id"]:
                        return m
                return None

            event = await eventually(handed_over)
            assert event.data is not None
            data = event.data["data"]
            assert data["previous_responsible_id"] == MINE
            assert data["deal"]["responsible_id"] == OTHER
            # what the board does with it: the card is no longer Ivan's (board.js drops it)
            assert (await ivan.get(f"/board/cards/{deal['id']}")).status_code == 403
        finally:
            feed.cancel()
            await asyncio.gather(feed, return_exceptions=True)
