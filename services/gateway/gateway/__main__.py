"""`python -m gateway [serve|migrate|users …|tokens …]`."""

from __future__ import annotations

import logging
import sys

from crm_shared.cli import run_service
from gateway.bootstrap import Gateway, migrate
from gateway.entrypoints import cli
from gateway.settings import Settings


def main() -> int:
    """Entry point: migrate the schema, serve, or an administrative command."""
    settings = Settings.from_env()
    if sys.argv[1:2] in (["users"], ["tokens"]):
        return cli.main(sys.argv[1:], settings)
    return run_service(
        sys.argv[1:],
        migrate=lambda: migrate(settings),
        serve=lambda: Gateway(settings),
    )


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    sys.exit(main())
