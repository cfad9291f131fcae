"""Prometheus metrics every service has, and the tiny HTTP server for /metrics and /healthz.

Each service builds its own `CollectorRegistry` in bootstrap (never at import), so several
services can run in one test process without their metrics colliding.
"""

from __future__ import annotations

import asyncio
import contextlib
import json

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from crm_shared.health import Health


class Metrics:
    """The shared machinery's metrics; services add their business metrics to `registry`."""

    def __init__(self, service: str, registry: CollectorRegistry | None = None) -> None:
        self.service = service
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.outbox_backlog = Gauge(
            "crm_outbox_backlog", "Outbox rows seen waiting by the last relay pass", registry=r
        )
        self.outbox_oldest_age = Gauge(
            "crm_outbox_oldest_age_seconds", "Age of the oldest unpublished outbox row", registry=r
        )
        self.outbox_failures = Counter(
            "crm_outbox_publish_failures", "Relay passes that failed and will retry", registry=r
        )
        self.events_published = Counter(
            "crm_events_published", "Events published from the outbox and acknowledged", registry=r
        )
        self.messages_consumed = Counter(
            "crm_messages_consumed", "Messages consumed and acknowledged", ["consumer"], registry=r
        )
        self.duplicates_skipped = Counter(
            "crm_duplicates_skipped",
            "Messages already in the inbox, skipped",
            ["consumer"],
            registry=r,
        )
        self.redeliveries = Counter(
            "crm_redeliveries", "Messages received again after a failure", ["consumer"], registry=r
        )
        self.retries = Counter(
            "crm_handler_retries",
            "Batches negatively acknowledged for redelivery",
            ["consumer", "reason"],
            registry=r,
        )
        self.dead_letters = Counter(
            "crm_dead_letters",
            "Messages sent to the dead-letter subject",
            ["consumer", "reason"],
            registry=r,
        )
        self.batch_size = Histogram(
            "crm_consumer_batch_size",
            "Messages handled per transaction",
            ["consumer"],
            buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500),
            registry=r,
        )
        self.commands = Counter(
            "crm_commands", "Commands and queries answered", ["subject", "outcome"], registry=r
        )


class MetricsServer:
    """Serves GET /metrics (Prometheus text) and GET /healthz on one port.

    /healthz answers a JSON object of what the process waits for (`{"postgres": "ok",
    "nats": "connecting", "service": "starting"}`), with 200 once every state is "ok" and
    503 until then. It is served from the first moment of a start, so that a process
    waiting for a server says what for.
    """

    def __init__(
        self,
        registry: CollectorRegistry,
        port: int,
        health: Health | None = None,
        host: str = "127.0.0.1",
    ) -> None:
        self._host = host
        self._registry = registry
        self._port = port
        self._health = health
        self._server: asyncio.Server | None = None

    @property
    def port(self) -> int:
        """The bound port (useful when started on port 0)."""
        assert self._server is not None
        return int(self._server.sockets[0].getsockname()[1])

    async def start(self) -> None:
        """Bind and serve in the background."""
        self._server = await asyncio.start_server(self._handle, self._host, self._port)

    async def stop(self) -> None:
        """Stop serving."""
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=5)
            path = request.split(b" ", 2)[1].decode(errors="replace") if b" " in request else "/"
            if path.startswith("/metrics"):
                status, ctype, body = "200 OK", CONTENT_TYPE_LATEST, generate_latest(self._registry)
            elif path.startswith("/healthz"):
                ok = self._health is None or self._health.ready
                report = {} if self._health is None else self._health.report()
                status = "200 OK" if ok else "503 Service Unavailable"
                ctype, body = "application/json", json.dumps(report).encode() + b"\n"
            else:
                status, ctype, body = "404 Not Found", "text/plain", b"not found\n"
            head = (
                f"HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
            )
            writer.write(head.encode() + body)
            await writer.drain()
        except (TimeoutError, asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()
