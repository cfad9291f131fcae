"""`python -m gateway [serve|migrate|users …|tokens …]`."""

from __future__ import annotations

import sys

from crm_shared.machinery.early import stop_cleanly_while_starting

stop_cleanly_while_starting(sys.argv[1:])  # before the imports below, which take a while

from crm_shared.machinery.cli import run_service  # noqa: E402
from crm_shared.machinery.logs import configure_logging  # noqa: E402
from gateway.bootstrap import Gateway, migrate  # noqa: E402
from gateway.entrypoints import cli  # noqa: E402
from gateway.settings import Settings  # noqa: E402


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
    configure_logging()
    sys.exit(main())
