"""uvicorn inside a service's process: for /metrics and /healthz, and the gateway's HTTP.

The process's own signal handling stops it (uvicorn's would take SIGTERM from the service
and raise it again when done), and its socket is bound here, so that a port in use is an
`OSError` at start rather than uvicorn's `sys.exit(1)` inside a task.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Iterator
from typing import Any

import uvicorn

STOP_SECONDS = 2.0


class EmbeddedServer(uvicorn.Server):
    """A uvicorn server that leaves the signals to the service and stops as soon as it is
    told to (uvicorn's own loop looks every 0.1 s: up to 0.1 s per server and stop, four
    servers in a stack)."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self._exit = asyncio.Event()

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield

    def exit(self) -> None:
        """Stop serving now (the connections in hand get their graceful shutdown)."""
        self.should_exit = True
        self._exit.set()

    async def main_loop(self) -> None:
        """uvicorn's ticks (the Date header, once a second), cut short by `exit()`."""
        counter = 0
        while not await self.on_tick(counter):
            counter = (counter + 1) % 864000
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._exit.wait(), 0.1)


def bind(host: str, port: int) -> socket.socket:
    """A listening-ready TCP socket on (host, port); port 0 picks a free one."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


class Served:
    """An ASGI app served in the background on its own bound socket: start(), stop(), port."""

    def __init__(self, app: Any, host: str, port: int, **config: Any) -> None:
        self._socket = bind(host, port)
        options: dict[str, Any] = {
            "lifespan": "off",
            "access_log": False,
            "log_level": "warning",
            "log_config": None,  # uvicorn's lines go through the service's logging
            "timeout_graceful_shutdown": 1,
        }
        self.server = EmbeddedServer(uvicorn.Config(app, **(options | config)))
        self._task: asyncio.Task[None] | None = None

    @property
    def port(self) -> int:
        """The bound port (useful when started on port 0)."""
        return int(self._socket.getsockname()[1])

    async def serve(self) -> None:
        """Serve until `exit()` (for a caller that runs it as its own task)."""
        await self.server.serve(sockets=[self._socket])

    async def start(self) -> None:
        """Serve in a background task; returns once the server listens."""
        self._task = asyncio.create_task(self.serve())
        await self.started(self._task)

    async def started(self, task: asyncio.Task[None]) -> None:
        """Wait until the server listens (`task` runs `serve()`; its failure is raised)."""
        while not self.server.started:
            if task.done():
                task.result()
                raise RuntimeError("the HTTP server stopped at start")
            await asyncio.sleep(0.01)

    def exit(self) -> None:
        """Ask the server to stop (at once; the connections in hand finish first)."""
        self.server.exit()

    async def stop(self) -> None:
        """Stop serving and wait for it (at most STOP_SECONDS)."""
        self.exit()
        if self._task is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._task, STOP_SECONDS)
        self._socket.close()
