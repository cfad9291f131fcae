"""`python -m gateway users set-password <user_id>` and `python -m gateway tokens …`.

Two typer groups that `bootstrap.ENTRY` adds to the service's own commands; the service's
settings arrive as the context's `obj`.
"""

from __future__ import annotations

import asyncio
import getpass
import os
import sys
from collections.abc import Awaitable, Callable
from typing import Annotated

import asyncpg
import typer

from crm_shared.config import load_config
from crm_shared.locale import say
from crm_shared.machinery import devrun
from crm_shared.machinery.db import create_pool
from crm_shared.machinery.redact import mask_url
from gateway.adapters.store import PeopleStore
from gateway.adapters.tokens_store import TokenStore
from gateway.domain.people import Scope
from gateway.domain.tokens import IntakeFormat
from gateway.handlers.auth import set_password
from gateway.handlers.errors import Refusal
from gateway.handlers.tokens import create_token
from gateway.settings import Settings

CONNECT_SECONDS = 10.0
"""How long a command waits for PostgreSQL before it says so and gives up."""

users = typer.Typer(help="Пароли пользователей из настроек.", no_args_is_help=True)
tokens = typer.Typer(help="Токены интеграций.", no_args_is_help=True)


def dev_database_url() -> str:
    """The database of `make run`'s embedded PostgreSQL (port CRM_RUN_PG_PORT, 5532 unless
    set), with the password the dev stack made for it (under CRM_DATA_DIR or ./.crm-data):
    where the commands look when CRM_DATABASE_URL is unset, as `crm` looks for the dev
    stack's NATS. (The gateway may not import the dev stack; a test keeps the two equal.)"""
    return devrun.run_database_url()


def database_url() -> str:
    """CRM_DATABASE_URL, or the dev stack's database."""
    return os.environ.get("CRM_DATABASE_URL") or dev_database_url()


def _with_pool(work: Callable[[asyncpg.Pool], Awaitable[int]]) -> None:
    """Run `work` on a pool of the gateway's database; exit with its status, or say why not."""
    url = database_url()

    async def run() -> int:
        pool = await asyncio.wait_for(create_pool(url, min_size=1, max_size=2), CONNECT_SECONDS)
        try:
            return await work(pool)
        finally:
            await pool.close()

    try:
        status = asyncio.run(run())
    except Refusal as refused:
        print(f"ошибка: {say(refused.body()['error'])}", file=sys.stderr)
        status = 1
    except TimeoutError:
        print(
            f"ошибка: PostgreSQL ({mask_url(url)}) не ответил за {CONNECT_SECONDS:.0f} с: "
            "запустите стенд (make run) или укажите базу шлюза в CRM_DATABASE_URL",
            file=sys.stderr,
        )
        status = 2
    raise typer.Exit(status)


@users.command("set-password")
def set_password_command(
    ctx: typer.Context,
    user_id: str,
    stdin: Annotated[
        bool, typer.Option("--stdin", help="прочитать пароль со стандартного ввода")
    ] = False,
) -> None:
    """Задать пароль пользователя из настроек (его сеансы закончатся)."""
    settings: Settings = ctx.obj
    password = (
        sys.stdin.readline().rstrip("\n")
        if stdin
        else getpass.getpass(f"новый пароль для {user_id}: ")
    )

    async def work(pool: asyncpg.Pool) -> int:
        config = load_config(settings.common.config_path)
        await set_password(config, PeopleStore(pool), user_id, password)
        print(f"пароль для {user_id} задан; его сеансы закончены")
        return 0

    _with_pool(work)


@tokens.command("create")
def create_command(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="интеграция; /intake/<name> для источника лидов")],
    scopes: Annotated[str, typer.Option(help=f"через запятую: {', '.join(Scope)}")] = "leads:write",
    format_: Annotated[IntakeFormat, typer.Option("--format", help="для /intake/<name>")] = "json",
    rate: Annotated[float, typer.Option(help="запросов в секунду (в среднем)")] = 50.0,
    burst: Annotated[int, typer.Option(help="запросов разом")] = 100,
    owner: Annotated[
        str | None,
        typer.Option(
            "--as",
            metavar="USER_ID",
            help="пользователь из настроек, от имени которого действует токен, с его правами "
            "(права токена их сужают); без него токен только отправляет лиды и читает события",
        ),
    ] = None,
) -> None:
    """Создать токен интеграции (показывается один раз)."""
    settings: Settings = ctx.obj

    async def work(pool: asyncpg.Pool) -> int:
        config = load_config(settings.common.config_path)
        made = await create_token(
            TokenStore(pool, cache_seconds=0),
            name,
            [s.strip() for s in scopes.split(",") if s.strip()],
            format=format_,
            rate_per_second=rate,
            burst=burst,
            owner=(config, owner) if owner else None,
        )
        print(f"токен      {made.token}")
        print(f"от имени   {owner or 'никого (только лиды и события)'}")
        if made.webhook_secret:
            print(f"секрет     {made.webhook_secret}")
            print(f"приём      POST /intake/{name}  (с подписью секретом)")
        elif "leads:write" in scopes:
            print(f"приём      POST /intake/{name}?token=<token>  (или /api/leads)")
        if format_ == "bitrix24" and "leads:write" in scopes:
            print(f"портал     /rest/1/{made.token}/  (адрес вебхука Bitrix24)")
        print("(показан один раз: сохраните его сейчас)")
        return 0

    _with_pool(work)


@tokens.command("list")
def list_command() -> None:
    """Все токены, без секретов."""

    async def work(pool: asyncpg.Pool) -> int:
        rows = [
            (t["id"], t["name"], t["format"], ", ".join(t["scopes"]), t["owner_id"] or "—",
             "отозван" if t["revoked_at"] else "действует")
            for t in await TokenStore(pool, cache_seconds=0).all()
        ]  # fmt: skip
        if not rows:
            print("Токенов нет.")
            return 0
        # Columns as wide as their longest cell, under a header (a walkthrough saw them run
        # into each other with no header).
        header = ("id", "имя", "формат", "права", "владелец", "состояние")
        widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
        for row in [header, *rows]:
            print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        return 0

    _with_pool(work)


@tokens.command("revoke")
def revoke_command(token: Annotated[str, typer.Argument(help="его id или имя")]) -> None:
    """Отозвать токен по id или имени."""

    async def work(pool: asyncpg.Pool) -> int:
        count = await TokenStore(pool, cache_seconds=0).revoke(token)
        print(f"отозвано: {count}")
        return 0 if count else 1

    _with_pool(work)
