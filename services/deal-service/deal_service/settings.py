"""deal-service settings: the shared ones plus its defaults."""

from __future__ import annotations

from pydantic import Field

from crm_shared.machinery.settings import EnvSettings, ServiceSettings

NAME = "deal-service"
SCHEMA = "deal"
DEFAULT_METRICS_PORT = 9101


class Settings(EnvSettings):
    """Everything deal-service reads from its environment.

    CRM_LEAD_BATCH_SIZE tunes the lead consumer: 500 rather than 200, because each batch
    costs a fetch, a transaction and a relay round whatever its size, and at full speed on
    two cores the larger batch gave about 15% more leads per second (`make bench`); a light
    load still gets batches of one.
    """

    common: ServiceSettings
    lead_batch_size: int = Field(500, ge=1)

    @classmethod
    def from_env(cls) -> Settings:
        """Read the environment (a bad value: SettingsError naming its variable)."""
        return cls.load(common=ServiceSettings.from_env(DEFAULT_METRICS_PORT))
