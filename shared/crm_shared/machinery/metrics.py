"""Prometheus metrics every service has, and /metrics and /healthz served by uvicorn.

Each service builds its own `CollectorRegistry` in bootstrap (never at import), so several
services can run in one test process without their metrics colliding.
"""

from __future__ import annotations

import json

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, make_asgi_app
from starlette.types import ASGIApp, Receive, Scope, Send

from crm_shared.machinery.health import Health
from crm_shared.machinery.http_server import Served


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
    """Serves GET /metrics (Prometheus text, prometheus_client's ASGI app) and GET /healthz
    on one port, with uvicorn.

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
        self._app = health_app(registry, health)
        self._host = host
        self._port = port
        self._served: Served | None = None

    @property
    def port(self) -> int:
        """The bound port (useful when started on port 0)."""
        assert self._served is not None
        return self._served.port

    async def start(self) -> None:
        """Bind and serve in the background (a port in use: OSError)."""
        self._served = Served(self._app, self._host, self._port)
        await self._served.start()

    async def stop(self) -> None:
        """Stop serving."""
        if self._served is not None:
            await self._served.stop()


def health_app(registry: CollectorRegistry, health: Health | None) -> ASGIApp:
    """The ASGI app of /metrics and /healthz (anything else: 404)."""
    metrics = make_asgi_app(registry)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", ""))
        if path.startswith("/metrics"):
            await metrics(scope, receive, send)
            return
        if path.startswith("/healthz"):
            ok = health is None or health.ready
            report = {} if health is None else health.report()
            status, ctype, body = 200 if ok else 503, "application/json", json.dumps(report) + "\n"
        else:
            status, ctype, body = 404, "text/plain", "not found\n"
        data = body.encode()
        headers = [(b"content-type", ctype.encode()), (b"content-length", str(len(data)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": data})

    return app
