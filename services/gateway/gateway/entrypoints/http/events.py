"""`GET /api/events`: the events the caller may see, as Server-Sent Events."""

from __future__ import annotations

from collections.abc import AsyncIterator

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse

from gateway.adapters.feed import EventHub
from gateway.domain.people import Principal, Scope
from gateway.entrypoints.http.deps import require
from gateway.entrypoints.http.schemas import ERRORS

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
    A comment line is sent as a heartbeat when nothing else happens."""
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
    """The caller's own notifications (`crm.notify.<user_id>`) as they are made, for an
    unread badge that updates live; `id` is the sequence in stream CRM_NOTIFY, resumable
    like /api/events. A person sees only their own, whatever their role."""
    return _response(request, "notifications", principal, last_event_id)


def _response(
    request: Request, feed: str, principal: Principal, last_event_id: int | None
) -> StreamingResponse:
    header = request.headers.get("last-event-id", "").strip()
    after = int(header) if header.isdigit() else last_event_id
    hub: EventHub = request.app.state.hubs[feed]
    return StreamingResponse(
        _stream(hub, principal, after),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def _stream(hub: EventHub, principal: Principal, after: int | None) -> AsyncIterator[bytes]:
    yield b"retry: 2000\n: connected\n\n"
    feed = hub.follow(principal, after)
    try:
        async for event in feed:
            yield event.frame
    finally:
        await feed.aclose()
