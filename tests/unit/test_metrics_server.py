"""/metrics and /healthz, served by uvicorn with prometheus_client's ASGI app, in-process."""

from __future__ import annotations

import socket

import httpx
import pytest

from crm_shared.machinery.health import OK, Health
from crm_shared.machinery.metrics import Metrics, MetricsServer


async def test_healthz_says_what_it_waits_for_then_ok() -> None:
    health = Health()
    metrics = Metrics("test")
    server = MetricsServer(metrics.registry, 0, health)
    await server.start()
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.port}") as http:
            health.set("postgres", OK)
            health.set("nats", "reconnecting")
            waiting = await http.get("/healthz")
            assert waiting.status_code == 503
            assert waiting.json() == {"postgres": "ok", "nats": "reconnecting"}
            assert waiting.headers["content-type"] == "application/json"
            health.set("nats", OK)
            ready = await http.get("/healthz")
            assert (ready.status_code, ready.json()) == (200, {"postgres": "ok", "nats": "ok"})
            metrics.events_published.inc(3)
            scraped = await http.get("/metrics")
            assert scraped.status_code == 200
            assert scraped.headers["content-type"].startswith("text/plain; version=")
            assert "crm_events_published_total 3.0" in scraped.text
            assert (await http.get("/nothing")).status_code == 404
    finally:
        await server.stop()


async def test_nothing_set_yet_is_not_ready() -> None:
    server = MetricsServer(Metrics("test").registry, 0, Health())
    await server.start()
    try:
        async with httpx.AsyncClient() as http:
            answer = await http.get(f"http://127.0.0.1:{server.port}/healthz")
        assert (answer.status_code, answer.json()) == (503, {})
    finally:
        await server.stop()


async def test_a_port_in_use_is_an_error_at_start() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        server = MetricsServer(Metrics("test").registry, taken.getsockname()[1], Health())
        with pytest.raises(OSError):
            await server.start()


async def test_it_stops_and_frees_its_port() -> None:
    server = MetricsServer(Metrics("test").registry, 0, Health())
    await server.start()
    port = server.port
    await server.stop()
    with socket.socket() as again:
        again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        again.bind(("127.0.0.1", port))
