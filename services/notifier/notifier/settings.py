"""notifier settings: the shared ones plus how it watches deadlines and retries deliveries."""

from __future__ import annotations

import os
from dataclasses import dataclass

from crm_shared.machinery.settings import ServiceSettings

NAME = "notifier"
SCHEMA = "notifier"
DEFAULT_METRICS_PORT = 9103


@dataclass(frozen=True)
class Settings:
    """Everything the notifier reads from its environment.

    The retry timings live here rather than in the CRM configuration because they are
    operations knobs (and tests shrink them to milliseconds); the configuration's `webhook`
    section keeps the request timeout and `max_attempts`.
    """

    common: ServiceSettings
    batch_size: int
    fire_batch: int
    max_sleep: float
    backoff_base: float
    backoff_max: float
    delivery_batch: int

    @classmethod
    def from_env(cls) -> Settings:
        """Read the environment.

        CRM_NOTIFIER_BATCH_SIZE: events handled per transaction (500);
        CRM_OVERDUE_FIRE_BATCH: overdue tasks fired per transaction (500);
        CRM_OVERDUE_MAX_SLEEP: longest the watcher sleeps without looking, seconds (5) -- a
        replica that did not consume a new deadline itself still sees it this soon;
        CRM_DELIVERY_BACKOFF_BASE / CRM_DELIVERY_BACKOFF_MAX: first and longest pause between
        delivery attempts, seconds (1, 600); CRM_DELIVERY_BATCH: deliveries attempted at once.
        """
        env = os.environ.get
        return cls(
            common=ServiceSettings.from_env(DEFAULT_METRICS_PORT),
            batch_size=int(env("CRM_NOTIFIER_BATCH_SIZE", "500")),
            fire_batch=int(env("CRM_OVERDUE_FIRE_BATCH", "500")),
            max_sleep=float(env("CRM_OVERDUE_MAX_SLEEP", "5")),
            backoff_base=float(env("CRM_DELIVERY_BACKOFF_BASE", "1")),
            backoff_max=float(env("CRM_DELIVERY_BACKOFF_MAX", "600")),
            delivery_batch=int(env("CRM_DELIVERY_BATCH", "20")),
        )
