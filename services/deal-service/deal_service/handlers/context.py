"""What every use case needs, wired once in bootstrap."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from crm_shared.config import CrmConfig
from crm_shared.machinery.asking import Asker
from crm_shared.machinery.outbox import UnitOfWork
from deal_service.adapters.metrics import DealMetrics


@dataclass
class Context:
    """Configuration, a unit-of-work factory and the metrics; `ask` queries other services
    (the typed request client, crm_shared.machinery.asking)."""

    config: CrmConfig
    uow: Callable[[], UnitOfWork]
    metrics: DealMetrics
    ask: Asker | None = None
    # A funnel report holds three connections and most of the database's CPU for a moment:
    # one at a time per process, so concurrent reports queue instead of draining the pool.
    report_gate: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(1))
