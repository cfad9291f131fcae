"""`GET /api/events`: the events the caller may see, as Server-Sent Events."""

from __future__ import annotations

from collections.abc import AsyncIterator

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse
from starlette.types import Receive, Send
from starlette.types import Scope as AsgiScope

from gateway.adapters.feed import EventHub, Listener
from gateway.domain.people import Principal, Scope
from gateway.entrypoints.http.deps import context, require, whole_number
from gateway.entrypoints.http.schemas import ERRORS
from gateway.handlers.errors import Refusal
from gateway.handlers.streams import Streams, Ticket

router = APIRouter(tags=["events"], responses=ERRORS)


@router.get(
    "/api/events",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
    summary="Live events (SSE)",
)
async def events(
    request: Request,
    last_event_id: int | None = None,
    principal: Principal = Depends(require(Scope.events_read)),
) -> StreamingResponse:
    """Deal and task events as CloudEvents, one SSE message each: `id` is the event's
    sequence in stream CRM_EVENTS, `event` its type. Reconnect with `Last-Event-ID` (the
    browser does) or `?last_event_id=` to get what was missed, without a gap or a repeat.
    A comment line is sent as a heartbeat when nothing else happens. A resume replays at
    most the last `CRM_GATEWAY_SSE_MAX_REPLAY` events, after a `replay_truncated` message
    when more were missed. A user or a token holds at most 8 streams at once (the next is
    429 `too_many_streams`); a stream ends within 2 s of its session ending (sign-out, a new
    password, expiry) or its token being revoked."""
    return _response(request, "events", principal, last_event_id)


@router.get(
    "/api/notifications/events",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
    summary="Live notifications (SSE)",
)
async def notification_events(
    request: Request,
    last_event_id: int | None = None,
    principal: Principal = Depends(require(Scope.events_read)),
) -> StreamingResponse:
    """The caller's own notifications (`crm.notify.<user_id>`) as they are made, and those
    that became read (`crm.notify.read.v1`: read elsewhere, or a refused move's notice
    settled, the deal having reached that stage), for an unread badge that updates live in
    every tab; `id` is the
    sequence in stream CRM_NOTIFY, resumable like /api/events. A person sees only their own,
    whatever their role."""
    return _response(request, "notifications", principal, last_event_id)


def _response(
    request: Request, feed: str, principal: Principal, last_event_id: int | None
) -> StreamingResponse:
    header = request.headers.get("last-event-id", "").strip()
    found = whole_number(header)
    if header and found is None:  # as `?last_event_id=abc` is: silence would lose a gap
        why = {"reason": "form", "problems": f"Last-Event-ID: «{header[:40]}» — не номер события"}
        raise Refusal(400, "invalid", "Last-Event-ID: not an event's sequence", params=why)
    after = found if found is not None else last_event_id
    if after is not None and after < 0:
        after = 0
    ctx = context(request)
    hub: EventHub = request.app.state.hubs[feed]
    ticket = ctx.streams.admit(principal)
    listener = Listener(principal)
    ticket.end = lambda: hub.cut(listener)
    return Held(
        _stream(hub, listener, after, ctx.settings.sse_max_replay),
        ctx.streams,
        ticket,
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


class Held(StreamingResponse):
    """A stream that gives its place back however it ends (even never started)."""

    def __init__(self, body: AsyncIterator[bytes], streams: Streams, ticket: Ticket, **kw: object):
        super().__init__(body, **kw)  # type: ignore[arg-type]
        self.streams = streams
        self.ticket = ticket

    async def __call__(self, scope: AsgiScope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self.streams.release(self.ticket)


async def _stream(
    hub: EventHub, listener: Listener, after: int | None, max_replay: int
) -> AsyncIterator[bytes]:
    yield b"retry: 2000\n: connected\n\n"
    feed = hub.follow(listener, after, max_replay)
    try:
        async for event in feed:
            yield event.frame
    finally:
        await feed.aclose()
