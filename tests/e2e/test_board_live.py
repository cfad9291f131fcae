"""The board's one live connection a tab (`/board/live`): the deal and task events and the
person's notifications together, resumed from `Last-Event-ID` in both streams without a gap
or a repeat; and a board route's bad request answered as a page, never as JSON text."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import httpx

from tests.gateway_support import door
from tests.support import Client, eventually


async def _listen(http: httpx.AsyncClient, got: list[tuple[str, str]], **kwargs: Any) -> None:
    """(id, event) of every message of /board/live, as they come."""
    async with http.stream("GET", "/board/live", **kwargs) as reply:
        assert reply.status_code == 200, await reply.aread()
        assert reply.headers["content-type"].startswith("text/event-stream")
        current: dict[str, str] = {}
        async for line in reply.aiter_lines():
            if line.startswith(("id: ", "event: ")):
                key, _, value = line.partition(": ")
                current[key] = value
            elif line == "" and "id" in current:
                got.append((current["id"], current.get("event", "")))
                current = {}


async def _stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def test_one_connection_carries_both_feeds_and_resumes_both(
    clean: Any, client: Client
) -> None:
    async with door(clean) as d, d.as_user("mgr-1") as ivan:
        got: list[tuple[str, str]] = []
        feed = asyncio.create_task(_listen(ivan, got))
        await eventually(lambda: d.gateway.hubs["notifications"].listeners)
        await client.publish_lead(external_id="live-1", responsible_id="mgr-1")
        await client.publish_lead(external_id="not-mine", responsible_id="mgr-2")
        [deal] = await eventually(lambda: _mine(client, "live-1"))
        refused = await ivan.post(f"/api/deals/{deal}/move", json={"to_stage": "OFFER_MADE"})
        assert refused.status_code == 422  # the responsible is notified: move_rejected
        await eventually(lambda: any(e == "crm.notify.v1" for _, e in got))
        await _stop(feed)
        hubs = [d.gateway.hubs[name] for name in ("events", "notifications")]
        await eventually(lambda: not any(hub.listeners for hub in hubs))  # both let go
        assert {"deal", "task", "notify"} <= {e.split(".")[1] for _, e in got}
        positions = [tuple(int(p) for p in i.split(":")) for i, _ in got]
        assert positions == sorted(positions)  # both positions only ever grow
        assert len(set(positions)) == len(positions)
        last = got[-1][0]

        # Missed while away: another lead and another refusal; a resume gets just those.
        await client.publish_lead(external_id="live-2", responsible_id="mgr-1")
        [second] = await eventually(lambda: _mine(client, "live-2"))
        refused = await ivan.post(f"/api/deals/{second}/move", json={"to_stage": "WON"})
        assert refused.status_code == 422
        resumed: list[tuple[str, str]] = []
        feed = asyncio.create_task(_listen(ivan, resumed, headers={"Last-Event-ID": last}))
        try:
            await eventually(lambda: any(e == "crm.notify.v1" for _, e in resumed))
        finally:
            await _stop(feed)
        before = tuple(int(p) for p in last.split(":"))
        assert all(tuple(int(p) for p in i.split(":")) > before for i, _ in resumed)
        assert not set(resumed) & set(got)


async def _mine(client: Client, external_id: str) -> list[str]:
    return [d["id"] for d in await client.deals() if d.get("external_id") == external_id]


async def test_a_bad_board_request_is_answered_as_a_page(clean: Any) -> None:
    async with door(clean, services=False) as d, d.as_user("mgr-1") as ivan:
        reply = await ivan.get("/board/deals/d-1/move")  # no to_stage
        assert reply.status_code == 400
        assert reply.headers["content-type"].startswith("text/html")
        assert "Не получилось" in reply.text


async def test_the_live_connection_without_a_session_is_refused_not_redirected(
    clean: Any,
) -> None:
    async with door(clean, services=False) as d, d.client() as http:
        reply = await http.get("/board/live", headers={"Accept": "text/event-stream"})
        assert reply.status_code == 401  # not a way back to a stream after signing in
        page = await http.get("/deals/d-1")
        assert (page.status_code, page.headers["location"]) == (303, "/signin?next=%2Fdeals%2Fd-1")
