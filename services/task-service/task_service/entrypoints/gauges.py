"""The open-tasks gauge: counted up and down as tasks change, and re-read now and then; and
the overdue-now gauge per manager, only re-read.

The increments are immediate but per process; the periodic re-read from the database makes
the value right again after a restart and with several replicas (each reports the total).
"""

from __future__ import annotations

import logging

import asyncpg

from crm_shared.config import CrmConfig
from crm_shared.machinery.loops import Periodic
from task_service.adapters import reads
from task_service.adapters.metrics import OWN_TASK, ROP_TASK, UNASSIGNED, TaskMetrics

log = logging.getLogger(__name__)


async def refresh_open_tasks(pool: asyncpg.Pool, metrics: TaskMetrics, config: CrmConfig) -> None:
    """Set the gauge to the database's counts (stages without open tasks to 0)."""
    async with pool.acquire() as conn:
        counts = await reads.count_open_by_stage(conn)
        overdue = await reads.count_overdue_open(conn)
    # Every manager of the configuration has a series (0 included), so the table lists all.
    people = {u.id for u in config.users if u.role == "manager"} | set(overdue)
    for who in people:
        metrics.overdue_open.labels(who or UNASSIGNED).set(overdue.get(who, 0))
    labels = {s.code for s in config.stages if s.task is not None} | {ROP_TASK, OWN_TASK}
    labels |= set(counts)
    for label in labels:
        metrics.open_tasks.labels(label).set(counts.get(label, 0))


async def keep_refreshing(
    pool: asyncpg.Pool, metrics: TaskMetrics, config: CrmConfig, every: float
) -> None:
    """Refresh every `every` seconds until cancelled; a failed read waits for the next turn.

    The first refresh is the caller's, before consuming starts, so that no increment made by
    the consumer is overwritten by a count read before it.
    """

    async def refresh() -> None:
        await refresh_open_tasks(pool, metrics, config)

    await Periodic(
        "open-tasks gauge refresh",
        refresh,
        interval=every,
        start_after=every,
        backoff=every,  # a failed read waits for the next turn
        max_backoff=every,
        retry_on=(OSError, asyncpg.PostgresError, asyncpg.InterfaceError),
    ).run()
