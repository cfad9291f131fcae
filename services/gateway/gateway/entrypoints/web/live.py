"""`GET /board/live`: one Server-Sent Events connection per browser tab for the board.

The board needs two feeds, the deal and task events (`/api/events`) and the person's own
notifications (`/api/notifications/events`). Two EventSources a tab would take two of the
six connections HTTP/1.1 allows a browser per host, so the fourth open tab would stall; this
route sends both on one connection. Each message's `id` is `<events seq>:<notifications
seq>`, the position in both streams, so a reconnect (`Last-Event-ID`) resumes each of them
without a gap or a repeat.

A page is drawn from queries, and its feed connects a moment later: an event between the two
(a card marked «засиделась», moved, taken) would be in neither. So the board takes both
positions (`drawn_from`) before it asks for what it shows and names them in its feed's
address (`/board/live?from=120:7`); the first connection, which has no `Last-Event-ID` yet,
starts there and replays what came since (what the page already shows only draws a card
again). A position may lag behind the stream: that replays more, never less.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse

from gateway.adapters.feed import EventHub, FeedEvent, Listener
from gateway.domain.people import Principal
from gateway.entrypoints.http.deps import context, whole_number
from gateway.entrypoints.http.events import Held
from gateway.entrypoints.web.common import person

router = APIRouter(include_in_schema=False)
FEEDS = ("events", "notifications")


def positions(last_event_id: str) -> tuple[int | None, int | None]:
    """The two stream positions of a `Last-Event-ID` such as `120:7` (None where unknown)."""
    parts = [whole_number(p) for p in last_event_id.strip().split(":")]
    if len(parts) != 2 or None in parts:
        return None, None
    return parts[0], parts[1]


@router.get("/board/live")
async def live(request: Request, principal: Principal = Depends(person)) -> StreamingResponse:
    """Deal and task events and the person's notifications, on one SSE connection: one of
    the person's streams (at most 8), ended with their session as /api/events is."""
    resumed = request.headers.get("last-event-id", "")
    after = positions(resumed or request.query_params.get("from", ""))
    hubs = [request.app.state.hubs[name] for name in FEEDS]
    ctx = context(request)
    ticket = ctx.streams.admit(principal)
    listeners = [Listener(principal) for _ in hubs]

    def end() -> None:
        for hub, listener in zip(hubs, listeners, strict=True):
            hub.cut(listener)

    ticket.end = end
    return Held(
        _merged(hubs, listeners, after, ctx.settings.sse_max_replay),
        ctx.streams,
        ticket,
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def drawn_from(request: Request) -> str | None:
    """Where the feed of a page drawn now starts, `<events seq>:<notifications seq>`: taken
    before the page's queries. None when the bus cannot say (the page connects at the end,
    as before)."""
    hubs = getattr(request.app.state, "hubs", {})
    try:
        seen = [await hubs[name].position() for name in FEEDS]
    except Exception:  # the bus is down or reconnecting: the page stands without it
        return None
    return f"{seen[0]}:{seen[1]}"


async def _merged(
    hubs: list[EventHub],
    listeners: list[Listener],
    after: tuple[int | None, int | None],
    max_replay: int,
) -> AsyncIterator[bytes]:
    # Where each feed starts: after the client's position, else at the stream's end now.
    seen = [
        a if a is not None else await hub.position() for a, hub in zip(after, hubs, strict=True)
    ]
    start = list(seen)
    queue: asyncio.Queue[tuple[int, FeedEvent | None]] = asyncio.Queue()

    async def pump(i: int) -> None:
        feed = hubs[i].follow(listeners[i], start[i], max_replay)
        try:
            async for event in feed:
                await queue.put((i, event))
        finally:
            await feed.aclose()
            await queue.put((i, None))  # this feed ended (the hub stopped): so does the stream

    pumps = [asyncio.create_task(pump(i)) for i in range(len(hubs))]
    try:
        yield b"retry: 2000\n: connected\n\n"
        while True:
            i, event = await queue.get()
            if event is None:
                return
            if event.seq == 0:  # a keep-alive
                yield event.frame
                continue
            seen[i] = max(seen[i], event.seq)
            _, _, rest = event.frame.partition(b"\n")  # the frame's own `id:` line
            yield b"id: %d:%d\n%s" % (seen[0], seen[1], rest)
    finally:
        for task in pumps:
            task.cancel()
        for task in pumps:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
