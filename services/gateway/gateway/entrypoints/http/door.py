"""What every answer of the door carries, and which hosts it answers for.

Security headers on every response (the JSON API, the board, static files, refusals): a
Content-Security-Policy that runs scripts only from the gateway's own files (no inline
script, no eval: the templates have none, the API pages load their start-up from a file),
`frame-ancestors 'none'`, `X-Content-Type-Options: nosniff`, a Referrer-Policy. A request
whose `Host` is not one of `CRM_GATEWAY_ALLOWED_HOSTS` is refused with 400 before any route
sees it (DNS rebinding, poisoned absolute links).
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


def host_allowed(host: str, allowed: tuple[str, ...]) -> bool:
    """Whether a `Host` header (port left aside) is allowed: an exact name, or `*.example.com`
    for its subdomains; `*` allows any."""
    name = host.strip().lower()
    if name.startswith("["):  # [::1]:8000
        name = name[1 : name.find("]")] if "]" in name else name
    elif name.count(":") == 1:
        name = name.rsplit(":", 1)[0]
    for pattern in allowed:
        if pattern == "*" or name == pattern:
            return True
        if pattern.startswith("*.") and name.endswith(pattern[1:]):
            return True
    return False


class Door:
    """The outermost layer: the Host allow-list, then the security headers on every answer."""

    def __init__(self, app: ASGIApp, allowed_hosts: tuple[str, ...]) -> None:
        self.app = app
        self.allowed = tuple(h.lower() for h in allowed_hosts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        host = dict(scope["headers"]).get(b"host", b"").decode("latin-1")
        if not host_allowed(host, self.allowed):
            await _refuse_host(send)
            return

        async def secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in HEADERS if k not in present]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, secured)


async def _refuse_host(send: Send) -> None:
    body = (
        '{"error":{"code":"bad_host","message":"неизвестный адрес сервера (заголовок Host); '
        'разрешённые задаются CRM_GATEWAY_ALLOWED_HOSTS"}}'
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 400,
            "headers": [(b"content-type", b"application/json"), *HEADERS],
        }
    )
    await send({"type": "http.response.body", "body": body})


docs = APIRouter(include_in_schema=False)

_DOCS_PAGE = """<!doctype html>
<html lang="ru"><head><meta charset="utf-8"><title>CRM gateway · API</title>
<link rel="stylesheet" href="/static/vendor/swagger-ui-dist/swagger-ui.css"></head>
<body><div id="swagger-ui" data-url="/api/openapi.json"></div>
<script src="/static/vendor/swagger-ui-dist/swagger-ui-bundle.js"></script>
<script src="/static/board/api-docs.js"></script>
</body></html>
"""


@docs.get("/api/docs", response_class=HTMLResponse)
async def api_docs() -> HTMLResponse:
    """The API's pages: Swagger UI from the gateway's own vendored files (no CDN)."""
    return HTMLResponse(_DOCS_PAGE)
