"""Running one service process: connections, relay, consumers, request/reply, metrics.

Every service's bootstrap builds a `Runtime` and hands it its routers and consumers, so the
three services start, stop and report health the same way. Nothing is built at import.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import asyncpg
from faststream.nats import NatsBroker, NatsRouter
from faststream.nats.prometheus import NatsPrometheusMiddleware
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext

from crm_shared.bus import connect, ensure_streams
from crm_shared.config import StreamSettings
from crm_shared.consumer import BatchConsumer
from crm_shared.db import create_pool
from crm_shared.inbox import InboxPruner
from crm_shared.metrics import Metrics, MetricsServer
from crm_shared.outbox import OutboxRelay, UnitOfWork
from crm_shared.settings import ServiceSettings

log = logging.getLogger(__name__)


class Runtime:
    """The connections and background loops of one service process."""

    def __init__(
        self,
        name: str,
        schema: str,
        settings: ServiceSettings,
        metrics: Metrics,
        streams: StreamSettings | None = None,
    ) -> None:
        self.name = name
        self.streams = streams  # limits of the streams this process may have to create
        self.schema = schema
        self.settings = settings
        self.metrics = metrics
        self.pool: asyncpg.Pool
        self.nc: NatsClient
        self.js: JetStreamContext
        self.relay: OutboxRelay
        self.broker: NatsBroker | None = None
        self._consumers: list[BatchConsumer[Any]] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._pruner: asyncio.Task[None] | None = None
        self._metrics_server: MetricsServer | None = None

    async def connect(self) -> None:
        """Database pool, bus connection, streams, outbox relay."""
        self.pool = await create_pool(self.settings.database_url)
        self.nc = await connect(self.settings.nats_url, self.name)
        self.js = self.nc.jetstream(timeout=10)
        await ensure_streams(self.js, limits=self.streams)
        self.relay = OutboxRelay(self.pool, self.schema, self.js, self.metrics)

    def uow(self) -> UnitOfWork:
        """A new unit of work whose commit wakes this process's relay."""
        return UnitOfWork(self.pool, self.schema, f"crm/{self.name}", self.relay.wake)

    async def start(self, routers: list[NatsRouter], consumers: list[BatchConsumer[Any]]) -> None:
        """Start relaying, consuming, answering requests and serving metrics."""
        self._tasks.append(asyncio.create_task(self.relay.run(), name="outbox-relay"))
        days = self.settings.inbox_retention_days
        pruner = InboxPruner(self.pool, self.schema, timedelta(days=days) if days > 0 else None)
        self._pruner = asyncio.create_task(pruner.run(), name="inbox-pruner")
        self._tasks.append(self._pruner)
        for consumer in consumers:
            self._consumers.append(consumer)
            self._tasks.append(asyncio.create_task(consumer.run(), name="consumer"))
        self.broker = NatsBroker(
            self.settings.nats_url,
            middlewares=[NatsPrometheusMiddleware(registry=self.metrics.registry)],
            log_level=logging.DEBUG,
            max_reconnect_attempts=-1,
        )
        for router in routers:
            self.broker.include_router(router)
        await self.broker.start()
        # One round trip: the server has our subscriptions before start() returns. (It may
        # still answer "no responders" for a few ms when a subscriber on the same subject has
        # just gone, nats-io/nats-server#2876: callers retry that, as `eventually` does.)
        await self.broker.connection.flush()
        self._metrics_server = MetricsServer(
            self.metrics.registry,
            self.settings.metrics_port,
            self.healthy,
            host=self.settings.metrics_host,
        )
        await self._metrics_server.start()

    def healthy(self) -> bool:
        """Connected to the bus and no background loop has died."""
        return self.nc.is_connected and all(not t.done() for t in self._tasks)

    @property
    def metrics_port(self) -> int:
        """The port /metrics is served on."""
        assert self._metrics_server is not None
        return self._metrics_server.port

    async def stop(self) -> None:
        """Stop consuming, let the relay finish its batch, close everything."""
        for consumer in self._consumers:
            consumer.stop()
        self.relay.stop()
        if self._pruner is not None:
            self._pruner.cancel()  # it only sleeps between prunes: nothing to finish
        if self.broker is not None:
            await self.broker.stop()
        if self._tasks:
            # Consumers finish their batch (a waiting one is woken); anything cut short here
            # is redelivered and recognised by the inbox, so cancelling is safe.
            _, pending = await asyncio.wait(self._tasks, timeout=2)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        if self._metrics_server is not None:
            await self._metrics_server.stop()
        # close(), not drain(): nats-py's drain of a pull subscription can hang for its
        # whole timeout, and every message we took is either acked or will be redelivered.
        with contextlib.suppress(Exception):
            await self.nc.close()
        try:
            await asyncio.wait_for(self.pool.close(), timeout=5)
        except TimeoutError:
            self.pool.terminate()


async def serve_forever(start: Callable[[], Any], stop: Callable[[], Any]) -> None:
    """Run until SIGINT or SIGTERM, then stop cleanly."""
    done = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, done.set)
    await start()
    _calm_the_collector()
    try:
        await done.wait()
    finally:
        await stop()


def _calm_the_collector() -> None:
    """Keep the garbage collector's pauses out of event latency.

    A full collection walks every tracked object, and a started service holds hundreds of
    thousands of them (FastStream, pydantic schemas, the configuration): measured at 50-170
    ms per gen-2 pass, often enough to set the p99 of lead-to-task latency. Everything that
    exists after start-up lives as long as the process, so it is frozen out of collections;
    the young generation is collected less often, as handlers allocate many short-lived
    objects (it is the cycles among them that the collector is for, and they stay few).
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 20, 20)
