"""Wires the gateway: configuration, database, bus, live feed, HTTP server, metrics."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import uvicorn
from nats.aio.client import Client as NatsClient

from crm_shared.bus import connect, ensure_streams
from crm_shared.config import CrmConfig, load_config
from crm_shared.db import create_pool, run_migrations
from crm_shared.metrics import MetricsServer
from gateway.adapters.bus import Bus
from gateway.adapters.feed import EVENTS, NOTIFICATIONS, EventHub
from gateway.adapters.idempotency_store import IdempotencyStore
from gateway.adapters.metrics import GatewayMetrics
from gateway.adapters.store import PeopleStore
from gateway.adapters.tokens_store import TokenStore
from gateway.entrypoints.http.app import build_app
from gateway.handlers.auth import ensure_dev_passwords
from gateway.handlers.context import Context
from gateway.settings import NAME, SCHEMA, Settings

MIGRATIONS = Path(__file__).parent / "migrations"
PRUNE_SECONDS = 600
log = logging.getLogger(NAME)


def migrate(settings: Settings) -> None:
    """Bring schema `gateway` to the newest migration; in the dev stack, make the passwords."""
    run_migrations(settings.common.database_url, MIGRATIONS, SCHEMA)
    path = settings.dev_passwords
    if path is not None:
        config = load_config(settings.common.config_path)
        known = json.loads(path.read_text()) if path.exists() else {}
        known = asyncio.run(_dev_passwords(settings, config, known))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600, exist_ok=True)
        path.write_text(json.dumps(known, indent=1, ensure_ascii=False))


async def _dev_passwords(
    settings: Settings, config: CrmConfig, known: dict[str, str]
) -> dict[str, str]:
    pool = await create_pool(settings.common.database_url, min_size=1, max_size=2)
    try:
        return await ensure_dev_passwords(config, PeopleStore(pool), known)
    finally:
        await pool.close()


class _Server(uvicorn.Server):
    """uvicorn inside our process: the service's own signal handling stops it."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class _Life:
    """What `crm_shared.serving` asks of a service (the others hand it their `Runtime`): the
    shared settings (stop timeout, parent pid), and `failed()`, which returns once one of the
    gateway's background loops (the HTTP server, the pruning) has ended."""

    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway
        self.settings = gateway.settings.common

    async def failed(self) -> str:
        """Wait until a background loop ends; say which."""
        done, _ = await asyncio.wait(self.gateway.loops, return_when=asyncio.FIRST_COMPLETED)
        return f"the gateway's {next(iter(done)).get_name()} loop ended"


class _Health:
    """/healthz for the gateway, in the shape `crm_shared.health.Health` answers it."""

    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway

    @property
    def ready(self) -> bool:
        """Connected to the bus and serving HTTP."""
        return self.gateway.healthy()

    def report(self) -> dict[str, str]:
        """Each part's state, as the other services report theirs."""
        connected = self.gateway.nc.is_connected
        return {
            "service": "ready" if self.ready else "failing",
            "nats": "connected" if connected else "connecting",
            "http": "serving"
            if self.gateway.loops and not self.gateway.loops[0].done()
            else "down",
        }


class Gateway:
    """One running gateway: start() and stop()."""

    def __init__(self, settings: Settings, config: CrmConfig | None = None) -> None:
        self.settings = settings
        self.config = config or load_config(settings.common.config_path)
        self.metrics = GatewayMetrics()
        self.pool: asyncpg.Pool
        self.nc: NatsClient
        self.ctx: Context
        self.hubs: dict[str, EventHub] = {}
        self._server: _Server | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._metrics_server: MetricsServer | None = None
        self.runtime = _Life(self)

    async def start(self) -> None:
        """Connect, follow the events, serve HTTP and metrics."""
        s = self.settings
        self.pool = await create_pool(s.common.database_url, min_size=2, max_size=20)
        self.nc = await connect(s.common.nats_url, NAME)
        js = self.nc.jetstream(timeout=10)
        await ensure_streams(js)
        self.ctx = Context(
            settings=s,
            config=self.config,
            people=PeopleStore(self.pool),
            tokens=TokenStore(self.pool, s.token_cache_seconds),
            idempotency=IdempotencyStore(self.pool),
            bus=Bus(self.nc, js, s.request_timeout),
            metrics=self.metrics,
        )
        self.hubs = {
            "events": EventHub(js, self.metrics, s.sse_buffer, EVENTS, s.heartbeat_seconds),
            "notifications": EventHub(
                js, self.metrics, s.sse_buffer, NOTIFICATIONS, s.heartbeat_seconds
            ),
        }
        for hub in self.hubs.values():
            await hub.start()
        config = uvicorn.Config(
            build_app(self.ctx, self.hubs),
            host=s.http_host,
            port=s.http_port,
            http="httptools",
            lifespan="off",
            access_log=False,
            log_level="warning",
            timeout_graceful_shutdown=2,
        )
        self._server = _Server(config)
        self._tasks.append(asyncio.create_task(self._server.serve(), name="http"))
        while not self._server.started:
            if self._tasks[0].done():
                self._tasks[0].result()
                raise RuntimeError("the HTTP server stopped at start")
            await asyncio.sleep(0.02)
        self._tasks.append(asyncio.create_task(self._prune(), name="prune"))
        self._metrics_server = MetricsServer(
            self.metrics.registry,
            s.common.metrics_port,
            _Health(self),
            host=s.common.metrics_host,
        )
        await self._metrics_server.start()
        log.info("gateway ready on http://%s:%d", s.http_host, self.http_port)

    @property
    def http_port(self) -> int:
        """The bound HTTP port (useful when started on port 0)."""
        assert self._server is not None
        return int(self._server.servers[0].sockets[0].getsockname()[1])

    @property
    def metrics_port(self) -> int:
        """The port /metrics is served on."""
        assert self._metrics_server is not None
        return self._metrics_server.port

    @property
    def loops(self) -> list[asyncio.Task[None]]:
        """The background loops (the HTTP server first)."""
        return self._tasks

    def healthy(self) -> bool:
        """Connected to the bus and serving HTTP."""
        return self.nc.is_connected and all(not t.done() for t in self._tasks)

    async def _prune(self) -> None:
        while True:
            with contextlib.suppress(Exception):
                await self.ctx.people.prune()
                await self.ctx.idempotency.prune()
            await asyncio.sleep(PRUNE_SECONDS)

    async def stop(self) -> None:
        """End live streams, stop serving, close connections."""
        for hub in self.hubs.values():
            await hub.stop()
        if self._server is not None:
            self._server.should_exit = True
        for task in self._tasks[1:]:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._metrics_server is not None:
            await self._metrics_server.stop()
        with contextlib.suppress(Exception):
            await self.nc.close()
        try:
            await asyncio.wait_for(self.pool.close(), timeout=5)
        except TimeoutError:
            self.pool.terminate()
