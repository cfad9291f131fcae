"""`crm backup [--to DIR]` and `crm restore ARCHIVE`: the commands around take/restore."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

from crm_cli.backup import archive, failures, restore, take
from crm_cli.backup.servers import dev_urls, embedded, start_stack
from crm_cli.bus import CliError
from crm_cli.ui import err, options, out, progress, run, zone
from crm_shared import locale


@contextlib.contextmanager
def _bar() -> Iterator[take.Step]:
    """A rich progress bar on stderr (a terminal only): one line per part."""
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description:<22}"),
        BarColumn(),
        DownloadColumn(),
        TimeElapsedColumn(),
    )
    with progress(*columns) as bar:
        yield _stepper(bar)


def _stepper(bar: Progress) -> take.Step:
    def step(what: str, total: float | None) -> Callable[[float], None]:
        task = bar.add_task(what, total=total)
        return lambda amount: bar.advance(task, amount)

    return step


def _nats(ctx: typer.Context, urls: Callable[[], str]) -> str:
    opts = options(ctx)
    return opts.nats_url if opts.nats_given else urls()


def backup(
    ctx: typer.Context,
    to: Annotated[Path, typer.Option("--to", help="Каталог для архива.")] = Path("backups"),
    database_url: Annotated[
        str | None,
        typer.Option("--database", envvar="CRM_DATABASE_URL", help="Адрес PostgreSQL."),
    ] = None,
    data_dir: Annotated[
        Path | None,
        typer.Option("--data-dir", help="Каталог данных стенда разработки (там файл паролей)."),
    ] = None,
) -> None:
    """Один архив всей системы на один момент, снятый на ходу."""
    dev = dev_urls(data_dir)
    nats_url = _nats(ctx, lambda: dev.nats_url)
    db_url = database_url or dev.database_url
    # The password file is the dev stack's: taken when its database is the one backed up.
    files = data_dir or (None if database_url else dev.data_dir)
    env = dict(os.environ)

    async def main() -> None:
        with _bar() as step:
            try:
                made = await take.take(nats_url, db_url, to, data_dir=files, env=env, step=step)
            except Exception as exc:  # a server away, a refused dump: said, not a traceback
                raise CliError(f"копия не снята: {failures.explain(exc)}") from None
        m = made.manifest
        parts = ", ".join(f"{s} ({v['head']})" for s, v in m["database"]["schemas"].items())
        flows = ", ".join(f"{n} {v['messages']}" for n, v in m["streams"].items())
        out().print(f"копия {escape(str(made.path))}", soft_wrap=True)
        took = locale.seconds(made.seconds)
        out().print(f"  {locale.data_size(made.size)} за {took}", soft_wrap=True)
        out().print(f"  схемы       {parts}", soft_wrap=True)
        out().print(f"  потоки      {flows} (сообщений)", soft_wrap=True)
        if m["secrets"]:
            out().print(f"  секреты     {', '.join(m['secrets'])}", soft_wrap=True)

    run(main())


def restore_(
    ctx: typer.Context,
    archive_path: Annotated[Path, typer.Argument(help="Архив, сделанный `crm backup`.")],
    data_dir: Annotated[
        Path | None,
        typer.Option(
            "--data-dir", help="Восстановить в этот каталог данных (по умолчанию — `make run`)."
        ),
    ] = None,
    database_url: Annotated[
        str | None,
        typer.Option("--database", help="Восстановить вместо этого в этот (пустой) PostgreSQL."),
    ] = None,
    overwrite: Annotated[
        str | None,
        typer.Option("--overwrite", help="Заменить систему с данными: имя её базы."),
    ] = None,
    start: Annotated[bool, typer.Option("--start", help="Затем запустить на нём систему.")] = False,
) -> None:
    """Восстановить архив в пустой каталог данных (или в указанные пустые серверы)."""
    if not archive_path.is_file():
        raise CliError(f"архива {archive_path} нет", 2)
    given = options(ctx).nats_given or database_url is not None
    if given and (database_url is None or not options(ctx).nats_given):
        raise CliError("для восстановления в указанные серверы нужны и --nats, и --database", 2)
    if given and start:
        raise CliError(
            "--start запускает стенд разработки; на указанных серверах запустите сервисы сами", 2
        )
    target = data_dir or dev_urls().data_dir
    done: list[restore.Restored] = []

    async def into(nats_url: str, db_url: str) -> None:
        with _bar() as step:
            try:
                done.append(
                    await restore.restore(
                        archive_path, nats_url, db_url,
                        overwrite=overwrite, files_dir=target, step=step,
                    )
                )  # fmt: skip
            except (restore.Refused, archive.ArchiveError) as exc:
                raise CliError(f"восстановление отклонено: {exc}", 2) from None
            except Exception as exc:  # a server away, a refused restore: said, not a traceback
                raise CliError(f"восстановить не удалось: {failures.explain(exc)}") from None

    if given:
        run(into(options(ctx).nats_url, database_url or ""))
    else:
        err().print(f"запускаю серверы {escape(str(target))} …")
        try:
            stack = embedded(target)
        except RuntimeError as exc:
            said = f"{escape(str(target))}: «{escape(str(exc))}»"
            err().print(f"[red]ошибка:[/] не запускаются серверы {said}")
            raise typer.Exit(1) from None
        try:
            run(into(stack.nats_url, stack.database_url))
        finally:
            stack.stop()
    if not done:
        return
    config = _report(done[0], target, given)
    if start:
        raise typer.Exit(start_stack(target, config))


_HOW = {"as is": "как есть", "migrated": "обновлена миграциями"}
_FILES = {"secrets": "пароли", "config": "настройки"}


def _report(done: restore.Restored, target: Path, given: bool) -> Path | None:
    """What came back, and how to start the services on it; the config to use, if not the
    packaged one."""
    m = done.manifest
    say = out().print
    at = locale.moment(m["created_at"], zone())
    say(f"восстановлена копия от {at} за {locale.seconds(done.seconds)}", soft_wrap=True)
    for schema, how in done.schemas.items():
        say(
            f"  схема {schema:<9} {_HOW.get(how, how)} ({m['database']['schemas'][schema]['head']})"
        )
    for name, count in done.streams.items():
        dropped = done.dropped.get(name)
        note = f"; отброшено позже момента копии: {dropped}" if dropped else ""
        say(f"  поток {name:<11} сообщений: {count}{note}")
    for line in done.consumers:
        say(f"  подписчик {line}")
    config = done.files.get("config") if m["config"]["source"] != "default" else None
    for what, path in done.files.items():
        say(f"  {_FILES.get(what, what):<9} {escape(str(path))}", soft_wrap=True)
    prefix = f"CRM_CONFIG={config} " if config else ""
    if given:
        say("запустите сервисы на этих серверах (каждый сначала применит свои миграции)")
    else:
        say(f"запуск: {prefix}CRM_RUN_DATA_DIR={target} make run", soft_wrap=True)
    return config
