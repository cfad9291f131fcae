"""task-service settings: the shared ones plus its defaults."""

from __future__ import annotations

from pydantic import Field

from crm_shared.machinery.settings import EnvSettings, ServiceSettings

NAME = "task-service"
SCHEMA = "task"
DEFAULT_METRICS_PORT = 9102


class Settings(EnvSettings):
    """Everything task-service reads from its environment.

    CRM_TASK_BATCH_SIZE tunes the deal-event consumer (500); CRM_TASK_GAUGE_REFRESH is how
    often, in seconds, the open-task gauges are counted again (30).
    """

    common: ServiceSettings
    deal_batch_size: int = Field(500, ge=1, validation_alias="CRM_TASK_BATCH_SIZE")
    gauge_refresh_seconds: float = Field(30.0, gt=0, validation_alias="CRM_TASK_GAUGE_REFRESH")

    @classmethod
    def from_env(cls) -> Settings:
        """Read the environment (a bad value: SettingsError naming its variable)."""
        return cls.load(common=ServiceSettings.from_env(DEFAULT_METRICS_PORT))
