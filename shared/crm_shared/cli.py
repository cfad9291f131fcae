"""The command line every service has: `python -m <service> [serve|migrate]`."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, Protocol

import uvloop

from crm_shared.config import ConfigError
from crm_shared.runtime import serve_forever


class Service(Protocol):
    """What a service's bootstrap object offers."""

    async def start(self) -> None: ...
    async def stop(self) -> None: ...


def run_service(
    argv: list[str], *, migrate: Callable[[], Any], serve: Callable[[], Service]
) -> int:
    """Dispatch the sub-command; a bad configuration stops the start with its message."""
    command = argv[0] if argv else "serve"
    try:
        if command == "migrate":
            migrate()
            return 0
        if command == "serve":
            service = serve()
            uvloop.run(serve_forever(service.start, service.stop))
            return 0
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    print(f"unknown command {command!r}; use serve or migrate", file=sys.stderr)
    return 2
