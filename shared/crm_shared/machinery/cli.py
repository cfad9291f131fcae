"""The command line every service has: `python -m <service> [serve|migrate|revision MESSAGE]`.

A service's `__main__.py` is `run_main(__package__)`; what differs between services is its
`bootstrap.ENTRY` (`entry.Entry`), whose `commands` add the service's own groups (the
gateway's `users` and `tokens`). The commands are typer's (`commands`), as in `crm`. This
module imports only the light `early` and `entry` at its top: the stop that `early` installs
must be in place before the service's imports, which take a while (typer's among them).
"""

from __future__ import annotations

import importlib
import sys
from typing import Any, NoReturn

from crm_shared.machinery.early import stop_cleanly_while_starting
from crm_shared.machinery.entry import Entry, S


def run_main(package: str | None) -> NoReturn:
    """The whole `__main__` of a service: stop cleanly while importing, log, dispatch, exit."""
    assert package, "run_main(__package__) from a package's __main__"
    argv = sys.argv[1:]
    stop_cleanly_while_starting(argv)
    entry: Entry[Any] = importlib.import_module(f"{package}.bootstrap").ENTRY
    from crm_shared.machinery.logs import configure_logging

    configure_logging()  # after the imports: what they log as they load is not ours to show
    sys.exit(run_service(argv, entry, prog=f"python -m {package}"))


def run_service(argv: list[str], entry: Entry[S], prog: str = "service") -> int:
    """Run the command `argv` names (none: `serve`); returns the exit status.

    `serve` returns 0 after SIGTERM/SIGINT and 1 when the service failed (its start, or a
    background loop while running): a supervisor should start it again. A bad environment
    variable or configuration stops any command with its message and status 2, as does a
    command line typer cannot parse.
    """
    from crm_shared.config import ConfigError
    from crm_shared.machinery.settings import SettingsError

    try:
        # typer's standalone mode: a command line it cannot parse is its usage error (2)
        from crm_shared.machinery.commands import service_command

        service_command(entry, prog).main(args=argv, prog_name=prog)
    except SystemExit as done:
        return 0 if done.code is None else done.code if isinstance(done.code, int) else 1
    except ConfigError as exc:
        print(f"ошибка конфигурации: {exc}", file=sys.stderr)
        return 2
    except SettingsError as exc:
        print(f"ошибка окружения: {exc}", file=sys.stderr)
        return 2
    return 0
