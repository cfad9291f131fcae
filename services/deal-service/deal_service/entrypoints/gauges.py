"""deal-service's gauges: who and which stage carry which name (from the configuration), and
how many moves wait for the sales head's approval (re-read from the database now and then,
so every replica reports the same total)."""

from __future__ import annotations

import asyncpg

from crm_shared.config import CrmConfig
from crm_shared.machinery.loops import Periodic
from deal_service.adapters.metrics import DealMetrics
from deal_service.settings import SCHEMA

REFRESH_SECONDS = 15.0


def name_everyone(metrics: DealMetrics, config: CrmConfig) -> None:
    """crm_person_info and crm_stage_info for every configured user and stage."""
    for user in config.users:
        metrics.person_info.labels(user.id, user.name, user.role).set(1)
    for stage in config.stages:
        metrics.stage_info.labels(stage.code, stage.name).set(1)


async def count_approvals(pool: asyncpg.Pool, metrics: DealMetrics) -> None:
    """crm_approvals_waiting from the database."""
    async with pool.acquire() as conn:
        waiting = await conn.fetchval(f"SELECT count(*) FROM {SCHEMA}.approval_requests")
    metrics.approvals_waiting.set(int(waiting or 0))


async def keep_counting(pool: asyncpg.Pool, metrics: DealMetrics) -> None:
    """Count the approvals every REFRESH_SECONDS until cancelled (a failed read waits)."""

    async def refresh() -> None:
        await count_approvals(pool, metrics)

    await Periodic(
        "approvals gauge refresh",
        refresh,
        interval=REFRESH_SECONDS,
        start_after=REFRESH_SECONDS,
        backoff=REFRESH_SECONDS,
        max_backoff=REFRESH_SECONDS,
        retry_on=(OSError, asyncpg.PostgresError, asyncpg.InterfaceError),
    ).run()
