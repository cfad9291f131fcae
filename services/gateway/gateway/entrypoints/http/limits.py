"""The gateway's outermost layer: a body over the limit refused with 413 before any route
reads it, and every answer counted by route and status (and a lead route's by source)."""

from __future__ import annotations

import json
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.handlers.context import Context

INTAKE_ROUTES = frozenset({"/api/leads", "/intake/{source}"})


def intake_source(scope: Scope) -> str | None:
    """The source a lead route was offered a lead by (None on any other route)."""
    if getattr(scope.get("route"), "path", None) not in INTAKE_ROUTES:
        return None
    return str(scope.get("state", {}).get("intake_source", "unknown"))


class Limits:
    """Refuses a body over the limit with 413 (by Content-Length, or while it streams in)
    before any route reads it, and counts every answer by route and status."""

    def __init__(self, app: ASGIApp, ctx: Context) -> None:
        self.app = app
        self.ctx = ctx
        self.limit = ctx.settings.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.limit:
            await _too_large(send, self.limit, scope["path"])
            self._count(scope, 413, started)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _TooLarge
            return message

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, limited, sending)
        except _TooLarge:
            status = 413
            await _too_large(send, self.limit, scope["path"])
        self._count(scope, status, started)

    def _count(self, scope: Scope, status: int, started: float) -> None:
        route = getattr(scope.get("route"), "path", "other")
        m = self.ctx.metrics
        m.http_requests.labels(route, str(status)).inc()
        m.http_seconds.labels(route).observe(time.perf_counter() - started)
        source = intake_source(scope)
        if source is not None and 200 <= status < 300:
            m.intake.labels(source, "accepted").inc()


class _TooLarge(Exception):
    pass


async def _too_large(send: Send, limit: int, path: str) -> None:
    if path.startswith("/rest/"):  # Bitrix24's address answers in Bitrix24's shape
        said = f"тело запроса больше {limit} байт"
        answer = {"error": "INVALID_REQUEST", "error_description": said}
        body = json.dumps(answer, ensure_ascii=False).encode()
    else:
        body = (
            b'{"error":{"code":"too_large","message":"the body is over '
            + str(limit).encode()
            + b' bytes"}}'
        )
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"application/json"), (b"connection", b"close")],
        }
    )
    await send({"type": "http.response.body", "body": body})
