"""Wires the notifier: configuration, runtime, consumers, the watcher and the delivery worker."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from crm_shared.config import CrmConfig, load_config
from crm_shared.machinery.db import KEY_LOOKUPS, run_migrations
from crm_shared.machinery.entry import Entry
from crm_shared.machinery.runtime import Runtime
from notifier.adapters.email import EmailSender
from notifier.adapters.metrics import NotifierMetrics
from notifier.adapters.webhook import WebhookSender
from notifier.domain.delivery import RetryPolicy
from notifier.entrypoints.consumers import (
    STREAM,
    approval_consumers,
    deal_consumer,
    move_rejected_consumer,
    task_consumer,
)
from notifier.entrypoints.digest import IdleDigest
from notifier.entrypoints.gauges import GaugeRefresher
from notifier.entrypoints.rpc import endpoints
from notifier.entrypoints.watcher import DueWatcher, idle_watcher, overdue_watcher
from notifier.entrypoints.worker import DeliveryWorker
from notifier.handlers.context import Context
from notifier.handlers.idle import CONSUMER as DEALS
from notifier.handlers.tasks import CONSUMER as TASKS
from notifier.settings import NAME, SCHEMA, Settings

MIGRATIONS = Path(__file__).parent / "migrations"
log = logging.getLogger(NAME)


def migrate(settings: Settings) -> None:
    """Bring schema `notifier` to the newest migration."""
    run_migrations(settings.common.database_url, MIGRATIONS)


class NotifierService:
    """One running notifier: start() and stop() around its runtime and background loops."""

    def __init__(self, settings: Settings, config: CrmConfig | None = None) -> None:
        self.settings = settings
        self.config = config or load_config(settings.common.config_path)
        self.runtime = Runtime(
            NAME, SCHEMA, settings.common, NotifierMetrics(), self.config.streams, KEY_LOOKUPS
        )
        self.ctx: Context
        self.watcher: DueWatcher
        self.idle_watcher: DueWatcher
        self.worker: DeliveryWorker
        self._loops: list[Any] = []

    async def start(self) -> None:
        """Connect, consume task events and refused moves, watch deadlines, deliver, and
        answer the delivery administration requests."""
        s, rt = self.settings, self.runtime
        await rt.connect()
        assert isinstance(rt.metrics, NotifierMetrics)
        timeout = self.config.webhook.timeout.total_seconds()
        policy = RetryPolicy(s.backoff_base, s.backoff_max, self.config.webhook.max_attempts)
        self.ctx = ctx = Context(
            config=self.config,
            uow=rt.uow,
            pool=rt.pool,
            metrics=rt.metrics,
            policy=policy,
            webhooks=WebhookSender(timeout),
            email=EmailSender(self.config.smtp, timeout),
        )

        def caught_up(*durables: str) -> Callable[[], Awaitable[bool]]:
            async def check() -> bool:
                for durable in durables:
                    info = await rt.js.consumer_info(STREAM, durable)
                    if info.num_pending or info.num_ack_pending:
                        return False
                return True

            return check

        self.watcher = overdue_watcher(
            ctx, batch=s.fire_batch, max_sleep=s.max_sleep, caught_up=caught_up(TASKS)
        )
        self.idle_watcher = idle_watcher(
            # a deal's activity comes with deal events and with tasks done
            ctx,
            batch=s.fire_batch,
            max_sleep=s.max_sleep,
            caught_up=caught_up(DEALS, TASKS),
        )
        # The lease outlasts the slowest attempt, so no two replicas attempt the same row.
        self.worker = DeliveryWorker(
            ctx, batch=s.delivery_batch, lease=timeout * 2 + 10, max_sleep=s.max_sleep
        )
        ctx.deadline_added = self.watcher.due_added
        ctx.idle_due_added = self.idle_watcher.due_added
        ctx.deliveries_added = self.worker.wake
        await rt.start(
            endpoints(),
            ctx,
            [
                task_consumer(rt.nc, rt.js, ctx, s.batch_size),
                move_rejected_consumer(rt.nc, rt.js, ctx, s.batch_size),
                *approval_consumers(rt.nc, rt.js, ctx, s.batch_size),
                deal_consumer(rt.nc, rt.js, ctx, s.batch_size),
            ],
        )
        self._loops = [
            self.watcher,
            self.idle_watcher,
            self.worker,
            GaugeRefresher(ctx, s.gauge_interval),
        ]
        digest_at = self.config.notifications.idle_digest_at
        if digest_at is not None:
            self._loops.append(IdleDigest(ctx, digest_at))
        for loop in self._loops:
            rt.watch(loop.run(), type(loop).__name__, stop=loop.stop)
        log.info("notifier ready; metrics on :%d", rt.metrics_port)

    async def stop(self) -> None:
        """Stop the loops with the rest (an attempt cut short is retried after its lease)."""
        await self.runtime.stop()
        if self._loops:
            await self.ctx.webhooks.close()


ENTRY = Entry(Settings.from_env, MIGRATIONS, migrate, NotifierService)
