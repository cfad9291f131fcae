"""Wires the gateway: configuration, database, bus, live feed, HTTP server, metrics."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path

import asyncpg
from nats.aio.client import Client as NatsClient

from crm_shared.config import CrmConfig, load_config
from crm_shared.machinery.db import create_pool, run_migrations
from crm_shared.machinery.entry import Entry
from crm_shared.machinery.http_server import Served
from crm_shared.machinery.loops import Periodic
from crm_shared.machinery.runtime import Runtime
from gateway.adapters import passwords
from gateway.adapters.bus import Bus
from gateway.adapters.feed import EVENTS, NOTIFICATIONS, EventHub
from gateway.adapters.idempotency_store import IdempotencyStore
from gateway.adapters.metrics import GatewayMetrics
from gateway.adapters.store import PeopleStore
from gateway.adapters.tokens_store import TokenStore
from gateway.entrypoints import cli
from gateway.handlers.auth import ensure_dev_passwords
from gateway.handlers.context import Context
from gateway.handlers.streams import Streams
from gateway.settings import NAME, SCHEMA, Settings

MIGRATIONS = Path(__file__).parent / "migrations"
PRUNE_SECONDS = 600
log = logging.getLogger(NAME)


def migrate(settings: Settings) -> None:
    """Bring schema `gateway` to the newest migration; in the dev stack, make the passwords."""
    run_migrations(settings.common.database_url, MIGRATIONS)
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


class Gateway:
    """One running gateway: start() and stop(), on the shared `Runtime` like every service.

    The runtime waits for PostgreSQL and NATS (saying so on /healthz), watches the HTTP
    server and the pruner (a loop that dies ends the process with status 1) and stops within
    the stop timeout; the gateway answers no bus requests and relays no outbox, so it starts
    neither (`Runtime.ready`).
    """

    def __init__(self, settings: Settings, config: CrmConfig | None = None) -> None:
        self.settings = settings
        self.config = config or load_config(settings.common.config_path)
        self.metrics = GatewayMetrics()
        self.runtime = Runtime(NAME, SCHEMA, settings.common, self.metrics, self.config.streams)
        self.ctx: Context
        self.hubs: dict[str, EventHub] = {}
        self._http: Served | None = None

    @property
    def pool(self) -> asyncpg.Pool:
        """The database pool (once started)."""
        return self.runtime.pool

    @property
    def nc(self) -> NatsClient:
        """The bus connection (once started)."""
        return self.runtime.nc

    async def start(self) -> None:
        """Connect (waiting for the servers), follow the events, serve HTTP; then ready."""
        s = self.settings
        rt = self.runtime
        await rt.connect()
        await passwords.prepare()
        self.ctx = Context(
            settings=s,
            config=self.config,
            people=PeopleStore(rt.pool),
            tokens=TokenStore(rt.pool, s.token_cache_seconds),
            idempotency=IdempotencyStore(rt.pool),
            bus=Bus(rt.nc, s.request_timeout),
            metrics=self.metrics,
            streams=Streams(s.sse_max_streams),
        )
        self.hubs = {
            "events": EventHub(rt.js, self.metrics, s.sse_buffer, EVENTS, s.heartbeat_seconds),
            "notifications": EventHub(
                rt.js, self.metrics, s.sse_buffer, NOTIFICATIONS, s.heartbeat_seconds
            ),
        }
        for hub in self.hubs.values():
            await hub.start()
            rt.when_nats_back(hub.reconnected)
        # The HTTP app and uvicorn are imported here, not at the top: they are most of the
        # gateway's import time, and `python -m gateway tokens|users|migrate` needs neither.
        import uvicorn

        from gateway.entrypoints.http.app import build_app

        # uvicorn's own logging configuration, as before (its lines on stderr).
        served = self._http = Served(
            build_app(self.ctx, self.hubs),
            s.http_host,
            s.http_port,
            http="httptools",
            log_config=uvicorn.config.LOGGING_CONFIG,
            timeout_graceful_shutdown=2,
            # uvicorn would take X-Forwarded-For/-Proto from any local peer; the gateway
            # believes them only from CRM_GATEWAY_TRUSTED_PROXIES (deps.client_address).
            proxy_headers=False,
        )
        await served.started(rt.watch(served.serve(), "http server", stop=served.exit))
        pruner = Periodic(
            "gateway pruner", self._prune, interval=PRUNE_SECONDS, max_backoff=PRUNE_SECONDS
        )
        rt.watch(pruner.run(), "pruner", stop=pruner.stop)
        checker = Periodic(
            "stream checker", self._check_streams, interval=s.sse_check_seconds, max_backoff=5
        )
        rt.watch(checker.run(), "stream checker", stop=checker.stop)
        rt.ready()
        log.info("gateway ready on http://%s:%d", s.http_host, self.http_port)

    @property
    def http_port(self) -> int:
        """The bound HTTP port (useful when started on port 0)."""
        assert self._http is not None
        return self._http.port

    @property
    def metrics_port(self) -> int:
        """The port /metrics is served on."""
        return self.runtime.metrics_port

    def healthy(self) -> bool:
        """Connected to the bus and serving HTTP."""
        return self.runtime.healthy()

    async def _prune(self) -> None:
        """Forget expired sessions, old sign-in failures and idempotency records."""
        await self.ctx.people.prune()
        await self.ctx.idempotency.prune()

    async def _check_streams(self) -> None:
        """End the live streams whose session or token is no longer live."""
        await self.ctx.streams.check(self._live)

    async def _live(self, sessions: set[str], tokens: set[str]) -> set[str]:
        alive: set[str] = set()
        if sessions:
            alive |= {f"session:{h}" for h in await self.ctx.people.live_sessions(sessions)}
        if tokens:
            alive |= {f"token:{i}" for i in await self.ctx.tokens.live_ids(tokens)}
        return alive

    async def stop(self) -> None:
        """End live streams, stop serving, close connections (within the stop timeout)."""
        for hub in self.hubs.values():
            await hub.stop()
        await self.runtime.stop()


# `python -m gateway users …` and `tokens …`: the administrative commands.
ENTRY = Entry(
    Settings.from_env,
    MIGRATIONS,
    migrate,
    Gateway,
    commands={"users": cli.users, "tokens": cli.tokens},
)
