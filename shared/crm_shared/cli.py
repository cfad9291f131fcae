"""The command line every service has: `python -m <service> [serve|migrate]`."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import uvloop

from crm_shared.config import ConfigError
from crm_shared.serving import Service, serve_forever


def run_service(
    argv: list[str], *, migrate: Callable[[], Any], serve: Callable[[], Service]
) -> int:
    """Dispatch the sub-command; a bad configuration stops the start with its message.

    `serve` returns 0 after SIGTERM/SIGINT and 1 when the service failed (its start, or a
    background loop while running): a supervisor should start it again.
    """
    command = argv[0] if argv else "serve"
    try:
        if command == "migrate":
            migrate()
            return 0
        if command == "serve":
            service = serve()
            return uvloop.run(serve_forever(service))
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    print(f"unknown command {command!r}; use serve or migrate", file=sys.stderr)
    return 2
