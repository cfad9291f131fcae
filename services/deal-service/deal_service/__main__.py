"""`python -m deal_service [serve|migrate]`."""

from __future__ import annotations

import sys

from crm_shared.cli import run_service
from crm_shared.logs import configure_logging
from deal_service.bootstrap import DealService, migrate
from deal_service.settings import Settings


def main() -> int:
    """Entry point: migrate the schema or serve."""
    settings = Settings.from_env()
    return run_service(
        sys.argv[1:],
        migrate=lambda: migrate(settings),
        serve=lambda: DealService(settings),
    )


if __name__ == "__main__":
    configure_logging()
    sys.exit(main())
