"""Wires task-service: configuration, runtime, use cases, entry points."""

from __future__ import annotations

import logging
from pathlib import Path

from crm_shared.config import CrmConfig, load_config
from crm_shared.machinery.db import KEY_LOOKUPS, run_migrations
from crm_shared.machinery.entry import Entry
from crm_shared.machinery.runtime import Runtime
from task_service.adapters.metrics import TaskMetrics
from task_service.entrypoints.consumers import deal_event_consumer
from task_service.entrypoints.gauges import keep_refreshing, refresh_open_tasks
from task_service.entrypoints.rpc import endpoints
from task_service.handlers.context import Context
from task_service.settings import NAME, SCHEMA, Settings

MIGRATIONS = Path(__file__).parent / "migrations"
log = logging.getLogger(NAME)


def migrate(settings: Settings) -> None:
    """Bring schema `task` to the newest migration."""
    run_migrations(settings.common.database_url, MIGRATIONS)


class TaskService:
    """One running task-service: start() and stop() around its runtime."""

    def __init__(self, settings: Settings, config: CrmConfig | None = None) -> None:
        self.settings = settings
        self.config = config or load_config(settings.common.config_path)
        self.runtime = Runtime(
            NAME, SCHEMA, settings.common, TaskMetrics(), self.config.streams, KEY_LOOKUPS
        )
        self.ctx: Context

    async def start(self) -> None:
        """Connect, then consume deal events and answer task commands and queries."""
        rt = self.runtime
        await rt.connect()
        assert isinstance(rt.metrics, TaskMetrics)
        self.ctx = Context(config=self.config, uow=rt.uow, metrics=rt.metrics)
        await refresh_open_tasks(rt.pool, rt.metrics, self.config)
        rt.watch(
            keep_refreshing(rt.pool, rt.metrics, self.config, self.settings.gauge_refresh_seconds),
            "open-tasks gauge",
        )
        await rt.start(
            endpoints(),
            self.ctx,
            [deal_event_consumer(rt.nc, rt.js, self.ctx, self.settings.deal_batch_size)],
        )
        log.info("task-service ready; metrics on :%d", rt.metrics_port)

    async def stop(self) -> None:
        """Stop everything cleanly (the gauge's refresh loop with the rest)."""
        await self.runtime.stop()


ENTRY = Entry(Settings.from_env, MIGRATIONS, migrate, TaskService)
