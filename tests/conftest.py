"""Real servers for the whole suite: NATS with JetStream and PostgreSQL.

With CRM_NATS_URL / CRM_DATABASE_URL set, those servers are used (a fresh database is made
for the run); otherwise the embedded servers are started in a project-local folder and
stopped afterwards. Nothing of our own infrastructure is mocked here.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import nats
import pytest

from crm_shared.config import CrmConfig
from crm_shared.devstack import DevStack
from crm_shared.machinery.bus import EVERY_STREAM, ensure_streams
from crm_shared.machinery.db import asyncpg_dsn
from tests import configs
from tests.configs import shipped_config
from tests.services import SCHEMAS, migrate_all
from tests.support import Client

# Fixtures of helper modules, available to every test that names them.
pytest_plugins = ["tests.notifier_fixtures", "tests.board_support"]

ROOT = Path(__file__).resolve().parent.parent


def pytest_configure(config: pytest.Config) -> None:
    """With pytest-xdist (`make test`: -n 3) each worker runs its own embedded servers (the
    session fixtures are per process; a given CRM_DATABASE_URL gets a fresh database per
    worker). A given NATS would be shared, and one worker's `reset` would delete the streams
    under another's test, so that is refused."""
    workers = getattr(config.option, "numprocesses", None)
    if workers not in (None, 0, 1) and os.environ.get("CRM_NATS_URL"):
        raise pytest.UsageError(
            f"CRM_NATS_URL is set: the workers of -n {workers} would share that server and "
            "delete each other's streams; run without -n (make test-serial), or unset it so that "
            "each worker starts its own NATS"
        )


@dataclass
class Infra:
    """URLs of the servers the suite runs against.

    `nats_url` is the test's own client: crm-admin of deploy/nats/accounts.conf (every
    right: it publishes leads, sends commands, reads every subject, deletes streams). Each
    service started by a test signs in as its own user (`nats_url_as`), with exactly the
    rights it has in production.
    """

    nats_url: str
    database_url: str
    stack: DevStack

    def nats_url_as(self, user: str) -> str:
        """NATS as `user` of accounts.conf (a service's user is its name)."""
        return self.stack.nats_url_as(user)


async def _fresh_database(url: str) -> str:
    """Create an empty database beside the configured one and return its URL."""
    name = f"crm_test_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return url.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(scope="session")
def stack() -> Iterator[DevStack]:
    data = ROOT / ".crm-data" / f"test-{os.getpid()}"
    s = DevStack("test", data_dir=data, fast=True)
    with s:
        yield s
    shutil.rmtree(data, ignore_errors=True)


@pytest.fixture(scope="session")
async def infra(stack: DevStack) -> Infra:
    db_url = await _fresh_database(stack.database_url)
    await asyncio.to_thread(migrate_all, db_url)
    return Infra(nats_url=stack.nats_url, database_url=db_url, stack=stack)


async def reset(infra: Infra) -> None:
    """Empty every stream and table so each test starts from nothing."""
    nc = await nats.connect(infra.nats_url)
    js = nc.jetstream()
    for name in EVERY_STREAM:
        with contextlib.suppress(Exception):
            await js.delete_stream(name)
    await ensure_streams(js)  # as a service would at start: a publish before it lands
    await nc.close()
    conn = await asyncpg.connect(asyncpg_dsn(infra.database_url))
    try:
        for schema in SCHEMAS:
            tables = await conn.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = $1 AND tablename <> "
                "'alembic_version'",
                schema,
            )
            if tables:
                names = ", ".join(f'"{schema}"."{t["tablename"]}"' for t in tables)
                await conn.execute(f"TRUNCATE {names} CASCADE")
    finally:
        await conn.close()


@pytest.fixture
async def clean(infra: Infra) -> Infra:
    """The servers, emptied."""
    await reset(infra)
    return infra


@pytest.fixture
async def client(infra: Infra) -> AsyncIterator[Client]:
    c = await Client.connect(infra.nats_url)
    yield c
    await c.close()


@pytest.fixture(scope="module")
def config() -> CrmConfig:
    """The shipped default configuration (the configuration tests read it)."""
    return shipped_config()


@pytest.fixture
def default_data() -> dict[str, Any]:
    """The shipped default configuration as plain data, for a test to change."""
    return configs.default_data()
