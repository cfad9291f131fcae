"""What every use case needs, wired once in bootstrap."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from crm_shared.config import CrmConfig
from crm_shared.machinery.outbox import UnitOfWork
from task_service.adapters.metrics import TaskMetrics


@dataclass
class Context:
    """Configuration, a unit-of-work factory and the metrics."""

    config: CrmConfig
    uow: Callable[[], UnitOfWork]
    metrics: TaskMetrics
