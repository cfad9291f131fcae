"""What every command shares: the global options, the consoles, running a coroutine."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Coroutine
from dataclasses import dataclass, replace
from functools import cache
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer
from rich.console import Console, RenderableType
from rich.markup import escape
from rich.progress import Progress, ProgressColumn
from rich.table import Table

from crm_cli.bus import CliError, Refusal, Reported
from crm_shared import locale
from crm_shared.config import ConfigError, CrmConfig, load_config
from crm_shared.locale import say
from crm_shared.machinery import devrun

OPERATOR_USER = "crm-cli"  # the operator's NATS user (deploy/nats/accounts.conf)
ADMIN_USER = "crm-admin"  # the administrator's: streams and their messages
DEFAULT_NATS = "nats://127.0.0.1:4322"  # where `make run` starts NATS (no password: refused)


def dev_nats_url() -> str:
    """`make run`'s NATS as crm-cli, with the password the dev stack made for it (under
    CRM_DATA_DIR or ./.crm-data, port CRM_RUN_NATS_PORT): found without being told."""
    return devrun.run_nats_url(OPERATOR_USER)


@dataclass(frozen=True)
class Options:
    """The options given before the command: `crm --nats URL --as USER --json deal ...`."""

    nats_url: str = DEFAULT_NATS
    actor: str | None = None
    json: bool = False
    wide: bool = False
    nats_given: bool = True  # False: nats_url is `make run`'s, found by itself

    def admin_url(self) -> str:
        """Where an administrator's command (`crm dlq`: stream messages) connects: the URL
        given, else `make run`'s NATS as crm-admin (crm-cli may not read the streams)."""
        return self.nats_url if self.nats_given else devrun.run_nats_url(ADMIN_USER)

    def need_actor(self) -> str:
        """The acting user of a command or a query: commands and queries carry one, and a
        query is answered in that user's scope (SPEC §5)."""
        if not self.actor:
            raise CliError.said("invalid", 2, reason="no_actor")
        return self.actor


WIDE_HELP = "Таблицы со всеми столбцами, такой ширины, какая нужна."
Wide = Annotated[bool, typer.Option("--wide", help=WIDE_HELP)]
"""`--wide` of a command that prints a table: said after the command (`crm task list
--wide`) as well as before it (`crm --wide task list`), the same."""


def options(ctx: typer.Context, *, wide: bool = False) -> Options:
    """The global options of this invocation; `wide`: the command's own `--wide`."""
    found = ctx.find_object(Options) or Options()
    return replace(found, wide=True) if wide else found


def out() -> Console:
    """Standard output (tables, results)."""
    return Console(highlight=False, soft_wrap=False)


def print_table(table: RenderableType, *, wide: bool) -> None:
    """A table on stdout; with --wide as wide as it needs, past the terminal's edge. A table
    without rows is said in words (its borders alone read as a broken line)."""
    console = out()
    if isinstance(table, Table) and table.row_count == 0:
        console.print("Ничего не найдено.")
        return
    if wide:
        needed = Console(width=10_000).measure(table).maximum
        console = Console(highlight=False, soft_wrap=False, width=max(console.width, needed))
    console.print(table)


def width() -> int:
    """The terminal's width (COLUMNS, or 80 when stdout is not a terminal)."""
    return out().width


def err() -> Console:
    """Standard error (progress, warnings, errors), so stdout stays clean for pipes."""
    return Console(stderr=True, highlight=False)


def progress(*columns: ProgressColumn) -> Progress:
    """A progress display on stderr, shown only on a terminal (a pipe gets the result only)."""
    console = err()
    return Progress(*columns, console=console, transient=True, disable=not console.is_terminal)


@cache
def config() -> CrmConfig:
    """The CRM configuration (CRM_CONFIG or the shipped one), for display names only; a bad
    one ends the command with the loader's Russian message (not a traceback) and status 2."""
    try:
        return load_config()
    except ConfigError as exc:
        err().print(f"[red]ошибка конфигурации:[/] {escape(str(exc))}")
        raise typer.Exit(2) from None


_reader: list[str | None] = [None]


def read_as(actor: str | None) -> None:
    """Whose clock the times are shown on (`--as`; the configuration's zone without one)."""
    _reader[0] = actor


def zone() -> ZoneInfo:
    """The reader's time zone: their `timezone`, else the configuration's."""
    return config().zone(_reader[0])


def stage_name(code: str | None) -> str:
    """«Сделали предложение» for OFFER_MADE; the code itself when the pipeline lacks it."""
    if code is None:
        return "—"
    stage = config().stage_or_none(code)
    return stage.name if stage else code


def person(user_id: str | None) -> str:
    """«Мария Смирнова (mgr-2)» for a configured user (the id kept: commands take it), the id
    alone for one the configuration no longer has; nobody → «—»."""
    if not user_id:
        return "—"
    user = config().user_or_none(user_id)
    return f"{user.name} ({user_id})" if user else user_id


def field_names(codes: list[str]) -> str:
    """Field names as a person reads them: `Сумма, Предмет сделки` (the catalogue's)."""
    return locale.field_names(codes)


def print_json(data: Any) -> None:
    """Raw JSON on stdout (for --json)."""
    out().print_json(json.dumps(data, ensure_ascii=False, default=str))


def run(coro: Coroutine[Any, Any, None]) -> None:
    """Run one command; its errors become a message on stderr and an exit code."""
    try:
        asyncio.run(coro)
    except Refusal as refusal:
        _refused(refusal)
        raise typer.Exit(refusal.exit_code) from None
    except Reported as reported:
        raise typer.Exit(reported.exit_code) from None
    except CliError as exc:
        err().print(f"[red]ошибка:[/] {escape(str(exc))}")
        raise typer.Exit(exc.exit_code) from None
    except KeyboardInterrupt:
        err().print("остановлено")


def _refused(refusal: Refusal) -> None:
    error = refusal.error
    console = err()
    stages = {stage.code: stage.name for stage in config().stages}
    code = escape(str(error.get("code")))
    console.print(f"[red]отказ[/] ({code}): {escape(say(error, stages))}")
