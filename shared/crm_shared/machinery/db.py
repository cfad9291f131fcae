"""Database setup every service shares: the asyncpg pool, its watch, alembic migrations."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING

import asyncpg

from crm_shared.machinery.health import RETRY_SECONDS, Dependency, Health, drop_lines
from crm_shared.machinery.loops import Periodic
from crm_shared.machinery.pg_arrays import quicker_array_checks

if TYPE_CHECKING:  # alembic is imported when migrating: it was 0.7 s of every start
    from alembic.config import Config as AlembicConfig

# How long one connection attempt may take (asyncpg's default, 60 s, would hold a start
# behind an unreachable host for a minute per attempt).
CONNECT_TIMEOUT = 5.0
# How often a running service checks that PostgreSQL answers (`DatabaseWatch`), and how
# long the check may take before the server counts as lost.
PROBE_SECONDS = 1.0
PROBE_TIMEOUT = 5.0


def asyncpg_dsn(url: str) -> str:
    """Accept SQLAlchemy-style URLs too (`postgresql+asyncpg://`)."""
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


def sqlalchemy_url(url: str) -> str:
    """The same database as an SQLAlchemy async URL (alembic runs on asyncpg as well)."""
    return "postgresql+asyncpg://" + asyncpg_dsn(url).split("://", 1)[1]


async def _keep_session(conn: asyncpg.Connection) -> None:
    """Pool reset hook: nothing to undo.

    asyncpg's default reset sends `pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL`
    on every release, one more round trip per unit of work. Our code never leaves session
    state behind (no advisory locks, cursors, LISTEN or SET), and an open transaction is
    still rolled back by asyncpg before this hook runs.
    """


# The planner's costs for a service whose statements find rows by key (task-service, the
# notifier), sent with each of its connections. PostgreSQL's default random_page_cost (4)
# is for spinning disks; on SSD or a cached database its documentation suggests about 1.1.
# At 4, a generic plan made while a table was young (a few hundred rows: a new
# installation, an import, every `make bench`) read the whole table where an index finds
# the few rows a batch needs, and kept doing so as the table grew, until the next ANALYZE:
# task-service's batch read scanned all its deal states, 13 ms a batch at 20,000 deals, a
# quarter of PostgreSQL's time per lead under 12 HTTP requests in flight
# (tests/integration/test_key_lookup_plans.py, docs/benchmarks.md). deal-service keeps the
# server's costs: its analytics and search read large parts of big tables, measured so.
KEY_LOOKUPS = {"random_page_cost": "1.1"}


def stored_as_is(schema: str, *tables: str) -> list[str]:
    """DDL that has PostgreSQL keep the rows of `tables` as they are, up to a page.

    By default a row over about 2 KB has its long values compressed (pglz, the only method
    the embedded server has) at every insert. A lead's path writes the stage's instruction
    (up to 2 KB of Cyrillic in UTF-8) into the task, its TaskOpened, the notice and the
    deadline row: compressing them was about a fifth of PostgreSQL's statement time per lead
    under 12 HTTP requests in flight (issue 25, `bench.statements`), for rows the relay
    mostly deletes within a second. The cost is disk: such a row takes 1 to 2 KB more.
    Rows that do not fit in a page are still compressed and moved out of line.
    """
    return [f'ALTER TABLE "{schema}".{table} SET (toast_tuple_target = 8160)' for table in tables]


def stored_compressed(schema: str, *tables: str) -> list[str]:
    """The downgrade of `stored_as_is`: the server's default again."""
    return [f'ALTER TABLE "{schema}".{table} RESET (toast_tuple_target)' for table in tables]


async def create_pool(
    url: str,
    *,
    min_size: int = 2,
    max_size: int = 10,
    dependency: Dependency | None = None,
    planner: dict[str, str] | None = None,
) -> asyncpg.Pool:
    """A connection pool, waiting as long as it takes for the database (cancel to give up).

    Tried every RETRY_SECONDS; each failure goes to `dependency`, which says so now and then
    and keeps /healthz's "postgres" state. A refused password or a missing database is waited
    out too: an operator may be fixing it while the service waits. `planner`: settings
    sent with every connection (`KEY_LOOKUPS`).
    """
    dependency = dependency or Dependency(Health(), "postgres", "PostgreSQL", url)
    quicker_array_checks()
    # Its traceback per attempt while the server is down: `DatabaseWatch` reports that.
    drop_lines(logging.getLogger("asyncpg.pool"), "Failed to restore the pool connection floor")
    while True:
        try:
            pool = await asyncpg.create_pool(
                asyncpg_dsn(url),
                min_size=min_size,
                max_size=max_size,
                command_timeout=60,
                reset=_keep_session,
                timeout=CONNECT_TIMEOUT,
                server_settings=planner,
            )
        except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
            dependency.failed(exc)
            await asyncio.sleep(RETRY_SECONDS)
            continue
        assert pool is not None
        dependency.reached()
        return pool


class DatabaseWatch:
    """Keeps the "postgres" state of a running service true: lost, waited for, back.

    Once a second one `SELECT 1` through the pool: a failure reports the server lost
    (`Dependency.lost`: one line, /healthz 503 "reconnecting") and later ones to the same
    dependency ("still waiting" at growing intervals); the first success after them says it
    is back. The pool reconnects by itself; the work that failed meanwhile is retried by its
    own loop or consumer (a transient fault, never counted as an attempt of a message).
    """

    def __init__(
        self, pool: asyncpg.Pool, dependency: Dependency, interval: float = PROBE_SECONDS
    ) -> None:
        self._pool = pool
        self._dependency = dependency
        self._loop = Periodic("postgres watch", self._probe, interval=interval)

    async def run(self) -> None:
        """Watch until cancelled."""
        await self._loop.run()

    async def _probe(self) -> None:
        try:
            async with asyncio.timeout(PROBE_TIMEOUT):
                async with self._pool.acquire() as conn:
                    await conn.fetchval("SELECT 1")
        except Exception as exc:  # whatever it is, the service cannot use its database
            if self._dependency.waiting:
                self._dependency.failed(exc)
            else:
                self._dependency.lost(exc)
            return
        if self._dependency.waiting:
            self._dependency.reached()


def alembic_config(database_url: str, migrations_dir: Path) -> AlembicConfig:
    """alembic's configuration for one service's migrations (no alembic.ini: its env.py
    names the schema and the tables)."""
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(migrations_dir))
    cfg.set_main_option("sqlalchemy.url", sqlalchemy_url(database_url))
    return cfg


def run_migrations(database_url: str, migrations_dir: Path) -> None:
    """Upgrade one service's schema to head (blocking; call from a thread or at start-up)."""
    from alembic import command

    command.upgrade(alembic_config(database_url, migrations_dir), "head")


def draft_migration(database_url: str, migrations_dir: Path, message: str) -> None:
    """Write the next migration of one service, drafted by alembic's autogenerate from the
    difference between its tables (`adapters/tables.py`) and its schema in the database
    (migrated to head first); to be read and completed by hand."""
    from alembic import command

    command.revision(alembic_config(database_url, migrations_dir), message, autogenerate=True)
