"""Wires deal-service: configuration, runtime, use cases, entry points."""

from __future__ import annotations

import logging
from pathlib import Path

from crm_shared.config import CrmConfig, load_config
from crm_shared.machinery import asking
from crm_shared.machinery.db import run_migrations
from crm_shared.machinery.entry import Entry
from crm_shared.machinery.runtime import Runtime
from deal_service.adapters.metrics import DealMetrics
from deal_service.entrypoints.consumers import lead_consumer
from deal_service.entrypoints.gauges import count_approvals, keep_counting, name_everyone
from deal_service.entrypoints.idle import ThresholdRecount
from deal_service.entrypoints.rpc import endpoints
from deal_service.handlers.analytics import OVERDUE_TIMEOUT
from deal_service.handlers.context import Context
from deal_service.settings import NAME, SCHEMA, Settings

MIGRATIONS = Path(__file__).parent / "migrations"
log = logging.getLogger(NAME)


def migrate(settings: Settings) -> None:
    """Bring schema `deal` to the newest migration."""
    run_migrations(settings.common.database_url, MIGRATIONS)


class DealService:
    """One running deal-service: start() and stop() around its runtime."""

    def __init__(self, settings: Settings, config: CrmConfig | None = None) -> None:
        self.settings = settings
        self.config = config or load_config(settings.common.config_path)
        metrics = DealMetrics(self.config.lead_sources)
        self.runtime = Runtime(NAME, SCHEMA, settings.common, metrics, self.config.streams)
        self.ctx: Context

    async def start(self) -> None:
        """Connect, then consume leads and answer commands."""
        rt = self.runtime
        await rt.connect()
        assert isinstance(rt.metrics, DealMetrics)
        self.ctx = Context(
            config=self.config,
            uow=rt.uow,
            metrics=rt.metrics,
            ask=asking.Bus(rt.nc, timeout=OVERDUE_TIMEOUT),
        )
        name_everyone(rt.metrics, self.config)
        await count_approvals(rt.pool, rt.metrics)
        rt.watch(keep_counting(rt.pool, rt.metrics), "approvals gauge")
        await rt.start(
            endpoints(),
            self.ctx,
            [lead_consumer(rt.nc, rt.js, self.ctx, self.settings.lead_batch_size)],
        )
        recount = ThresholdRecount(self.ctx)
        rt.watch(recount.run(), "idle thresholds", stop=recount.stop)
        log.info("deal-service ready; metrics on :%d", rt.metrics_port)

    async def stop(self) -> None:
        """Stop everything cleanly."""
        await self.runtime.stop()


ENTRY = Entry(Settings.from_env, MIGRATIONS, migrate, DealService)
