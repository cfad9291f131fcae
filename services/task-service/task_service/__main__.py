"""`python -m task_service [serve|migrate]`."""

from __future__ import annotations

import logging
import sys

from crm_shared.cli import run_service
from crm_shared.redact import install_pii_filter
from task_service.bootstrap import TaskService, migrate
from task_service.settings import Settings


def main() -> int:
    """Entry point: migrate the schema or serve."""
    settings = Settings.from_env()
    return run_service(
        sys.argv[1:],
        migrate=lambda: migrate(settings),
        serve=lambda: TaskService(settings),
    )


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    install_pii_filter()  # no phone or e-mail address in a log line
    sys.exit(main())
