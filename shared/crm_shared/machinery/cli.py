"""The command line every service has: `python -m <service> [serve|migrate|revision MESSAGE]`.

A service's `__main__.py` is `run_main(__package__)`; what differs between services is its
`bootstrap.ENTRY`. This module imports only the light `early` at its top: the stop that
`early` installs must be in place before the service's imports, which take a while.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, NoReturn, Protocol, TypeVar

from crm_shared.machinery.early import stop_cleanly_while_starting

if TYPE_CHECKING:
    from crm_shared.machinery.serving import Service
    from crm_shared.machinery.settings import ServiceSettings


class _Settings(Protocol):
    @property
    def common(self) -> ServiceSettings: ...


S = TypeVar("S", bound=_Settings)


@dataclass(frozen=True)
class Entry(Generic[S]):
    """What `python -m <service>` runs, as its `bootstrap.ENTRY`: how to read its settings,
    migrate its schema (`migrations`: its alembic directory) and make the running service;
    `commands` are its own further sub-commands (given the whole argv)."""

    settings: Callable[[], S]
    migrations: Path
    migrate: Callable[[S], object]
    serve: Callable[[S], Service]
    commands: Mapping[str, Callable[[list[str], S], int]] = field(default_factory=dict)


def run_main(package: str | None) -> NoReturn:
    """The whole `__main__` of a service: stop cleanly while importing, log, dispatch, exit."""
    assert package, "run_main(__package__) from a package's __main__"
    argv = sys.argv[1:]
    stop_cleanly_while_starting(argv)
    entry: Entry[Any] = importlib.import_module(f"{package}.bootstrap").ENTRY
    from crm_shared.machinery.logs import configure_logging

    configure_logging()  # after the imports: what they log as they load is not ours to show
    sys.exit(run_service(argv, entry))


def run_service(argv: list[str], entry: Entry[S]) -> int:
    """Dispatch the sub-command; a bad configuration stops the start with its message.

    `serve` returns 0 after SIGTERM/SIGINT and 1 when the service failed (its start, or a
    background loop while running): a supervisor should start it again. `revision MESSAGE`
    drafts the next migration from the service's tables (against a database at head).
    """
    import uvloop

    from crm_shared.config import ConfigError
    from crm_shared.machinery.db import draft_migration
    from crm_shared.machinery.serving import serve_forever
    from crm_shared.machinery.settings import SettingsError

    command = argv[0] if argv else "serve"
    try:
        settings = entry.settings()
        if command in entry.commands:
            return entry.commands[command](argv, settings)
        if command == "migrate":
            entry.migrate(settings)
            return 0
        if command == "revision" and len(argv) == 2:
            draft_migration(settings.common.database_url, entry.migrations, argv[1])
            return 0
        if command == "serve":
            return uvloop.run(serve_forever(entry.serve(settings)))
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    except SettingsError as exc:
        print(f"environment error: {exc}", file=sys.stderr)
        return 2
    known = ", ".join(["serve", "migrate", "revision MESSAGE", *entry.commands])
    print(f"unknown command {command!r}; use {known}", file=sys.stderr)
    return 2
