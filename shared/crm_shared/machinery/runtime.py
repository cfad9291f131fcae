"""Running one service process: connections, relay, consumers, request/reply, metrics.

Every service's bootstrap builds a `Runtime` and hands it its endpoints, their context and its
consumers, so the services start, wait, stop and report health the same way; nothing at import.

A start may wait for ever for a server (saying so, see `crm_shared.machinery.health`), so it can be
cancelled at any point, and `stop` copes with whatever was built by then. A background loop
that ends while the service runs is a fault: `failed()` returns, and the process exits
non-zero (`crm_shared.machinery.serving`) rather than answering requests half alive.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from datetime import timedelta
from typing import Any

import asyncpg
from faststream.context import ContextRepo
from faststream.nats import NatsBroker
from faststream.nats.prometheus import NatsPrometheusMiddleware
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext

from crm_shared.config import StreamSettings
from crm_shared.machinery.acks import ACK_SECONDS, Acks
from crm_shared.machinery.bus import (
    RECONNECT_SECONDS,
    RETRY_FOR_EVER,
    connect,
    ensure_streams,
    quiet_callbacks,
)
from crm_shared.machinery.consumer import BatchConsumer
from crm_shared.machinery.db import DatabaseWatch, create_pool
from crm_shared.machinery.health import OK, Dependency, Health, drop_lines
from crm_shared.machinery.inbox import InboxPruner
from crm_shared.machinery.metrics import Metrics, MetricsServer
from crm_shared.machinery.outbox import OutboxRelay, UnitOfWork
from crm_shared.machinery.rpc import CONTEXT_KEY, C, Endpoints
from crm_shared.machinery.settings import ServiceSettings

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
        planner: dict[str, str] | None = None,
    ) -> None:
        self.name = name
        self.planner = planner  # the database planner's settings (db.KEY_LOOKUPS)
        self.streams = streams  # limits of the streams this process may have to create
        self.schema = schema
        self.settings = settings
        self.metrics = metrics
        self.health = Health()
        self._postgres = Dependency(self.health, "postgres", "PostgreSQL", settings.database_url)
        self._nats = Dependency(self.health, "nats", "NATS", settings.nats_url)
        # FastStream's own connection, for request/reply: waited for and reported like ours.
        self._requests = Dependency(
            self.health, "nats_requests", "NATS", settings.nats_url, silent=True
        )
        self._dependencies = [self._postgres, self._nats, self._requests]
        self.health.set("service", "starting")
        self._pool: asyncpg.Pool | None = None
        self._nc: NatsClient | None = None
        self._js: JetStreamContext | None = None
        self._relay: OutboxRelay | None = None
        self.broker: NatsBroker | None = None
        self._loops: list[tuple[asyncio.Task[None], Callable[[], Any]]] = []
        self._relay_task: asyncio.Task[None] | None = None
        self._metrics_server: MetricsServer | None = None
        self._stopping = False
        self._died = asyncio.Event()
        self._death = ""

    @property
    def pool(self) -> asyncpg.Pool:
        """The database pool (once connected)."""
        assert self._pool is not None, "Runtime.connect() first"
        return self._pool

    @property
    def nc(self) -> NatsClient:
        """The bus connection (once connected)."""
        assert self._nc is not None, "Runtime.connect() first"
        return self._nc

    @property
    def js(self) -> JetStreamContext:
        """JetStream on the bus connection (once connected)."""
        assert self._js is not None, "Runtime.connect() first"
        return self._js

    @property
    def relay(self) -> OutboxRelay:
        """The outbox relay (once connected)."""
        assert self._relay is not None, "Runtime.connect() first"
        return self._relay

    async def connect(self) -> None:
        """/healthz at once, then the database pool and the bus (waiting for both), streams."""
        await self._serve_metrics()
        await asyncio.gather(self._open_pool(), self._open_bus())
        self._js = self.nc.jetstream(timeout=ACK_SECONDS)
        await ensure_streams(
            self._js,
            limits=self.streams,
            replicas=self.settings.stream_replicas,
            duplicate_window=timedelta(seconds=self.settings.duplicate_window_seconds),
            update=False,  # a service's NATS user may create a missing stream, never change one
        )
        self._relay = OutboxRelay(self.pool, self.schema, Acks(self.nc, ACK_SECONDS), self.metrics)

    async def _open_pool(self) -> None:
        url, planner = self.settings.database_url, self.planner
        self._pool = await create_pool(url, dependency=self._postgres, planner=planner)
        # From now on a lost server is noticed, said once and shown on /healthz.
        self.watch(DatabaseWatch(self._pool, self._postgres).run(), "postgres watch")

    async def _open_bus(self) -> None:
        self._nc = await connect(self.settings.nats_url, self.name, self._nats)

    async def _serve_metrics(self) -> None:
        if self._metrics_server is None:
            server = MetricsServer(
                self.metrics.registry,
                self.settings.metrics_port,
                self.health,
                host=self.settings.metrics_host,
            )
            await server.start()
            self._metrics_server = server

    def uow(self) -> UnitOfWork:
        """A new unit of work whose commit wakes this process's relay."""
        return UnitOfWork(self.pool, self.schema, f"crm/{self.name}", self.relay.wake)

    async def start(self, api: Endpoints[C], ctx: C, consumers: list[BatchConsumer[Any]]) -> None:
        """Start relaying, consuming and answering requests; then the service is ready.

        `api`'s handlers get `ctx`, through the broker's FastStream context."""
        self._relay_task = self.watch(self.relay.run(), "outbox relay", stop=self.relay.stop)
        days = self.settings.inbox_retention_days
        # Always: besides the inbox (kept for ever with 0) it forgets handled request ids.
        pruner = InboxPruner(self.pool, self.schema, timedelta(days=days) if days > 0 else None)
        self.watch(pruner.run(), "inbox pruner")  # it only sleeps between prunes
        for consumer in consumers:
            run = consumer.run(ack_wait=self.settings.ack_wait_seconds)
            self.watch(run, f"consumer {consumer.durable}", stop=consumer.stop)
        options = {**RETRY_FOR_EVER, **quiet_callbacks(self._requests)}
        self.broker = NatsBroker(
            self.settings.nats_url,
            middlewares=[NatsPrometheusMiddleware(registry=self.metrics.registry)],
            logger=_broker_logger(),
            log_level=logging.DEBUG,
            context=ContextRepo({CONTEXT_KEY: ctx}),
            **options,
        )
        self.broker.include_router(api.router)
        await self.broker.start()
        self.broker.connection.options["reconnect_time_wait"] = RECONNECT_SECONDS  # as ours
        self._requests.reached()
        # One round trip: the server has our subscriptions before start() returns. (It may
        # still answer "no responders" for a few ms when a subscriber on the same subject has
        # just gone, nats-io/nats-server#2876: callers retry that, as `eventually` does.)
        await self.broker.connection.flush()
        if not self._died.is_set():
            self.health.set("service", OK)

    def ready(self) -> None:
        """Ready, for a process that answers no bus requests and relays no outbox (the
        gateway speaks HTTP): what `start` ends with, without the broker and the relay."""
        self._requests.reached()
        if not self._died.is_set():
            self.health.set("service", OK)

    def when_nats_back(self, hook: Callable[[], None]) -> None:
        self._nats.when_back(hook)  # `hook()` each time the bus is back after a drop

    def watch(
        self,
        loop: Coroutine[Any, Any, None],
        name: str,
        *,
        stop: Callable[[], None] | None = None,
    ) -> asyncio.Task[None]:
        """Run a background loop of the service until `stop()`; its end before that is a fault.

        At stop, `stop` is called (the loop should then finish what it holds and return) or,
        without one, the loop is cancelled (right for loops that only sleep between rounds).
        """
        task = asyncio.create_task(loop, name=name)
        task.add_done_callback(self._loop_ended)
        self._loops.append((task, stop or task.cancel))
        return task

    def _loop_ended(self, task: asyncio.Task[None]) -> None:
        if self._stopping or task.cancelled():
            return
        exc = task.exception()
        self._death = f"{task.get_name()} stopped: {exc!r}" if exc else f"{task.get_name()} ended"
        log.error("%s: %s", self.name, self._death, exc_info=exc)
        self.health.set("service", "failed")
        self._died.set()

    def healthy(self) -> bool:
        """Connected to the bus and no background loop has died."""
        return self.nc.is_connected and not self._died.is_set()

    async def failed(self) -> str:
        """Wait until a background loop dies; returns what happened."""
        await self._died.wait()
        return self._death

    @property
    def metrics_port(self) -> int:
        """The port /metrics is served on."""
        assert self._metrics_server is not None
        return self._metrics_server.port

    async def stop(self) -> None:
        """Stop taking messages and requests, finish or abandon what is in hand, close.

        Bounded by the settings' stop timeout (most of it: the caller keeps a margin). A
        batch cut short is not lost: its messages were not acked and come back (the
        inbox recognises any that committed); outbox rows whose publish was cut short stay
        in the table for the next sweep.
        """
        now = asyncio.get_running_loop().time()
        budget = self.settings.stop_timeout * 0.8
        # Taking in ends first (the batches in hand commit meanwhile), then the relay
        # publishes what those commits handed over: a relay stopped first would leave them.
        intake_deadline, deadline = now + budget * 0.6, now + budget
        self._stopping = True
        self.health.set("service", "stopping")
        for dependency in self._dependencies:
            dependency.closing()
        intake = [(task, stop) for task, stop in self._loops if task is not self._relay_task]
        for _, stop in intake:
            stop()  # consumers finish their batch; sleeping loops are cancelled
        broker_stop = _within(self.broker.stop(), intake_deadline) if self.broker else _nothing()
        await asyncio.gather(broker_stop, _finish([t for t, _ in intake], intake_deadline))
        if self._relay is not None and self._relay_task is not None:
            self._relay.stop()
            await _finish([self._relay_task], deadline)
        if self._metrics_server is not None:
            await self._metrics_server.stop()
        if self._nc is not None:
            # close(), not drain(): nats-py's drain of a pull subscription can hang for its
            # whole timeout, and every message we took is either acked or will be redelivered.
            await _within(self._nc.close(), deadline)
        if self._pool is not None and not await _within(self._pool.close(), deadline):
            self._pool.terminate()


async def _finish(tasks: list[asyncio.Task[None]], deadline: float) -> None:
    """Wait for `tasks` until `deadline` (loop time), then cancel what is left."""
    if not tasks:
        return
    timeout = max(0.0, deadline - asyncio.get_running_loop().time())
    _, pending = await asyncio.wait(tasks, timeout=timeout)
    for task in pending:
        task.cancel()
    if pending:
        await asyncio.wait(pending, timeout=0.5)


def _broker_logger() -> logging.Logger:
    """FastStream's logger: through ours (masked, one line a record), without its
    "Connection broken" and traceback per connection loss (`Dependency` says it);
    per-message lines stay at DEBUG."""
    return drop_lines(logging.getLogger("crm_shared.faststream"), "Connection broken")


async def _within(step: Awaitable[Any], deadline: float) -> bool:
    """Await `step` until `deadline` (loop time); False if it was cut short or failed."""
    timeout = max(0.01, deadline - asyncio.get_running_loop().time())
    try:
        await asyncio.wait_for(step, timeout)
    except TimeoutError:
        return False
    except Exception as exc:
        log.warning("while stopping: %r", exc)
        return False
    return True


async def _nothing() -> None:
    return None
