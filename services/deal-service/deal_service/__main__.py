"""`python -m deal_service [serve|migrate]`."""

from __future__ import annotations

import sys

from crm_shared.early import stop_cleanly_while_starting

stop_cleanly_while_starting(sys.argv[1:])  # before the imports below, which take a while

from crm_shared.cli import run_service  # noqa: E402
from crm_shared.logs import configure_logging  # noqa: E402
from deal_service.bootstrap import DealService, migrate  # noqa: E402
from deal_service.settings import Settings  # noqa: E402


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
