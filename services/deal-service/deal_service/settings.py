"""deal-service settings: the shared ones plus its defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass

from crm_shared.machinery.settings import ServiceSettings

NAME = "deal-service"
SCHEMA = "deal"
DEFAULT_METRICS_PORT = 9101


@dataclass(frozen=True)
class Settings:
    """Everything deal-service reads from its environment."""

    common: ServiceSettings
    lead_batch_size: int

    @classmethod
    def from_env(cls) -> Settings:
        """Read the environment (CRM_LEAD_BATCH_SIZE tunes the lead consumer).

        500 rather than 200: each batch costs a fetch, a transaction and a relay round
        whatever its size, and at full speed on two cores the larger batch gave about 15%
        more leads per second (`make bench`); a light load still gets batches of one.
        """
        return cls(
            common=ServiceSettings.from_env(DEFAULT_METRICS_PORT),
            lead_batch_size=int(os.environ.get("CRM_LEAD_BATCH_SIZE", "500")),
        )
