"""notifier settings: the shared ones plus how it watches deadlines and retries deliveries."""

from __future__ import annotations

from pydantic import Field

from crm_shared.machinery.settings import EnvSettings, ServiceSettings

NAME = "notifier"
SCHEMA = "notifier"
DEFAULT_METRICS_PORT = 9103


class Settings(EnvSettings):
    """Everything the notifier reads from its environment.

    The retry timings live here rather than in the CRM configuration because they are
    operations knobs (and tests shrink them to milliseconds); the configuration's `webhook`
    section keeps the request timeout and `max_attempts`.

    CRM_NOTIFIER_BATCH_SIZE: events handled per transaction (500);
    CRM_OVERDUE_FIRE_BATCH: overdue tasks fired per transaction (500);
    CRM_OVERDUE_MAX_SLEEP: longest the watcher sleeps without looking, seconds (5) -- a
    replica that did not consume a new deadline itself still sees it this soon;
    CRM_DELIVERY_BACKOFF_BASE / CRM_DELIVERY_BACKOFF_MAX: first and longest pause between
    delivery attempts, seconds (1, 600); CRM_DELIVERY_BATCH: deliveries attempted at once (20);
    CRM_NOTIFIER_GAUGE_REFRESH: how often the counted gauges (watched deadlines, deliveries,
    idle deals by stage and manager) are recounted, seconds (15).
    """

    common: ServiceSettings
    batch_size: int = Field(500, ge=1, validation_alias="CRM_NOTIFIER_BATCH_SIZE")
    fire_batch: int = Field(500, ge=1, validation_alias="CRM_OVERDUE_FIRE_BATCH")
    max_sleep: float = Field(5.0, validation_alias="CRM_OVERDUE_MAX_SLEEP")
    backoff_base: float = Field(1.0, validation_alias="CRM_DELIVERY_BACKOFF_BASE")
    backoff_max: float = Field(600.0, validation_alias="CRM_DELIVERY_BACKOFF_MAX")
    delivery_batch: int = Field(20, ge=1)
    gauge_interval: float = Field(15.0, gt=0, validation_alias="CRM_NOTIFIER_GAUGE_REFRESH")

    @classmethod
    def from_env(cls) -> Settings:
        """Read the environment (a bad value: SettingsError naming its variable)."""
        return cls.load(common=ServiceSettings.from_env(DEFAULT_METRICS_PORT))
