"""task-service settings: the shared ones plus its defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass

from crm_shared.machinery.settings import ServiceSettings

NAME = "task-service"
SCHEMA = "task"
DEFAULT_METRICS_PORT = 9102


@dataclass(frozen=True)
class Settings:
    """Everything task-service reads from its environment."""

    common: ServiceSettings
    deal_batch_size: int
    gauge_refresh_seconds: float

    @classmethod
    def from_env(cls) -> Settings:
        """Read the environment (CRM_TASK_BATCH_SIZE tunes the deal-event consumer)."""
        return cls(
            common=ServiceSettings.from_env(DEFAULT_METRICS_PORT),
            deal_batch_size=int(os.environ.get("CRM_TASK_BATCH_SIZE", "500")),
            gauge_refresh_seconds=float(os.environ.get("CRM_TASK_GAUGE_REFRESH", "30")),
        )
