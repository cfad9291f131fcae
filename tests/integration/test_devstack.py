"""Real embedded servers and a real launcher run: no mocks, everything on free ports."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import asyncpg
import nats
import psutil
import pytest

from crm_shared.devstack import DevStack, EmbeddedNats, EmbeddedPostgres
from crm_shared.devstack._proc import port_is_open

# A developer machine may run its own NATS/Postgres on the default ports.
RESERVED_PORTS = {4222, 5432}


def _get_json(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(url, timeout=5) as resp:
        return dict(json.load(resp))


async def test_nats_stream_survives_restart(tmp_path: Path) -> None:
    server = EmbeddedNats(tmp_path, sync_always=True)
    assert server.port not in RESERVED_PORTS
    assert server.address == f"nats://127.0.0.1:{server.port}"
    assert server.url.startswith("nats://crm-admin:") and server.url.endswith(server.address[7:])
    with server:
        varz = await asyncio.to_thread(_get_json, f"{server.monitor_url}/varz")
        assert varz["jetstream"]["config"]["sync_always"] is True
        nc = await nats.connect(server.url)
        js = nc.jetstream()
        await js.add_stream(name="DEVSTACK", subjects=["devstack.>"])
        ack = await js.publish("devstack.hello", b"kept on disk")
        assert ack.seq == 1
        await nc.close()
    assert not server.is_running()

    with EmbeddedNats(tmp_path, port=server.port) as again:
        nc = await nats.connect(again.url)
        js = nc.jetstream()
        info = await js.stream_info("DEVSTACK")
        assert info.state.messages == 1
        msg = await js.get_msg("DEVSTACK", 1)
        assert msg.data == b"kept on disk"
        await nc.close()
    assert (tmp_path / "nats.log").read_text()


ORPHAN = """
import os, sys
from crm_shared.devstack import EmbeddedNats, EmbeddedPostgres
kind, data_dir = sys.argv[1:]
server = EmbeddedNats(data_dir) if kind == "nats" else EmbeddedPostgres(data_dir, fast=True)
print(server.start().port, flush=True)
os.kill(os.getpid(), 9)  # like `kill -9` of the launcher: no cleanup runs
"""


def _leave_orphan(kind: str, data_dir: Path) -> int:
    """Start a server from a process that is then SIGKILLed; return the orphan's port."""
    done = subprocess.run(
        [sys.executable, "-c", ORPHAN, kind, str(data_dir)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    return int(done.stdout)


async def test_nats_replaces_server_left_by_killed_run(tmp_path: Path) -> None:
    port = _leave_orphan("nats", tmp_path)
    assert port_is_open("127.0.0.1", port)
    with EmbeddedNats(tmp_path, port=port) as fresh:
        nc = await nats.connect(fresh.url)
        await nc.jetstream().account_info()
        await nc.close()


def test_nats_refuses_data_dir_of_a_live_owner(tmp_path: Path) -> None:
    with (
        EmbeddedNats(tmp_path),
        pytest.raises(RuntimeError, match=r"заняты другим процессом \(№ \d+\)"),
    ):
        EmbeddedNats(tmp_path).start()


async def test_postgres_data_survives_restart(tmp_path: Path) -> None:
    pg = EmbeddedPostgres(tmp_path, fast=True)
    assert pg.port not in RESERVED_PORTS
    assert pg.url == f"postgresql://postgres:{pg.password}@127.0.0.1:{pg.port}/crm"
    with pg:
        conn = await asyncpg.connect(pg.url)
        await conn.execute("CREATE TABLE deals (id int PRIMARY KEY, title text)")
        await conn.execute("INSERT INTO deals VALUES (1, 'Поставка серверов')")
        assert await conn.fetchval("SELECT lower('ПОСТАВКА')") == "поставка"
        await conn.close()

        pg.restart()
        conn = await asyncpg.connect(pg.url)
        assert await conn.fetchval("SELECT title FROM deals WHERE id = 1") == "Поставка серверов"
        await conn.close()

    # A second `make run`: new object, same data dir, durable settings, other port.
    with EmbeddedPostgres(tmp_path) as again:
        conn = await asyncpg.connect(again.url)
        assert await conn.fetchval("SELECT count(*) FROM deals") == 1
        assert await conn.fetchval("SHOW fsync") == "on"
        await conn.close()
    assert not again.is_running()


async def test_postgres_replaces_server_left_by_killed_run(tmp_path: Path) -> None:
    orphan_port = _leave_orphan("pg", tmp_path)
    assert port_is_open("127.0.0.1", orphan_port)
    with EmbeddedPostgres(tmp_path, fast=True) as fresh:
        conn = await asyncpg.connect(fresh.url)
        assert await conn.fetchval("SELECT 1") == 1
        await conn.close()
        assert not port_is_open("127.0.0.1", orphan_port)
        with pytest.raises(RuntimeError, match="заняты другим процессом"):
            EmbeddedPostgres(tmp_path, fast=True).start()


async def test_devstack_starts_both_servers(tmp_path: Path) -> None:
    with DevStack(data_dir=tmp_path, env={}, fast=True) as stack:
        assert stack.env() == {
            "CRM_NATS_URL": stack.nats_url,
            "CRM_DATABASE_URL": stack.database_url,
        }
        # Each service signs in as its own user of deploy/nats/accounts.conf.
        assert stack.env("deal-service")["CRM_NATS_URL"].startswith("nats://deal-service:")
        nc = await nats.connect(stack.nats_url)
        await nc.jetstream().account_info()
        await nc.close()
        conn = await asyncpg.connect(stack.database_url)
        assert await conn.fetchval("SELECT current_database()") == "crm"
        await conn.close()
    assert stack.nats is not None and not stack.nats.is_running()


def test_devstack_uses_external_servers_from_env(tmp_path: Path) -> None:
    env = {
        "CRM_NATS_URL": "nats://nats.example:4222",
        "CRM_DATABASE_URL": "postgresql://db.example/crm",
        "CRM_DATA_DIR": str(tmp_path),
    }
    with DevStack("ext", env=env) as stack:
        assert stack.nats is None and stack.postgres is None
        assert stack.nats_url == env["CRM_NATS_URL"]
        assert stack.database_url == env["CRM_DATABASE_URL"]
        assert stack.data_dir == tmp_path / "ext"
    assert not (tmp_path / "ext").exists()


async def test_neither_server_takes_a_client_without_credentials(tmp_path: Path) -> None:
    """No anonymous client (issue 23): NATS runs deploy/nats's users, PostgreSQL asks for
    the password on TCP and on its socket; the passwords are made once and kept, readable
    by their owner only, and a wrong one is refused too."""
    with DevStack(data_dir=tmp_path, env={}, fast=True) as stack:
        assert stack.nats is not None and stack.postgres is not None
        for url in (stack.nats.address, stack.nats.address.replace("//", "//crm-cli:wrong@")):
            with pytest.raises(nats.errors.Error, match="Authorization Violation"):
                await nats.connect(url, allow_reconnect=False, max_reconnect_attempts=0)
        port = stack.postgres.port
        for dsn in (
            f"postgresql://postgres@127.0.0.1:{port}/crm",
            f"postgresql://postgres:wrong@127.0.0.1:{port}/crm",
        ):
            with pytest.raises(asyncpg.InvalidPasswordError):
                await asyncpg.connect(dsn)
        socket = str(stack.postgres.socket_dir)
        with pytest.raises(asyncpg.InvalidPasswordError):
            await asyncpg.connect(host=socket, port=port, user="postgres", database="crm")
        for user in ("crm-cli", "gateway", "deal-service"):
            nc = await nats.connect(stack.nats_url_as(user))
            await nc.close()
        first = (stack.nats.users.passwords, stack.postgres.password)
    for name in ("nats-passwords.json", "pg-password"):
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o600
    with DevStack(data_dir=tmp_path, env={}, fast=True) as again:
        assert again.nats is not None and again.postgres is not None
        assert (again.nats.users.passwords, again.postgres.password) == first
        conn = await asyncpg.connect(again.database_url)
        await conn.close()


async def test_a_cluster_made_with_trust_gets_its_password(tmp_path: Path) -> None:
    """A data dir made before the dev stack had passwords (initdb --auth=trust): the next
    start gives `postgres` a password and stops trusting local clients."""
    pg = EmbeddedPostgres(tmp_path, fast=True)
    with pg:
        hba = pg.pgdata / "pg_hba.conf"
        hba.write_text("local all all trust\nhost all all 127.0.0.1/32 trust\n")
    (tmp_path / "pg-password").unlink()  # as a data dir of before
    with EmbeddedPostgres(tmp_path, fast=True) as again:
        with pytest.raises(asyncpg.InvalidPasswordError):
            await asyncpg.connect(f"postgresql://postgres@127.0.0.1:{again.port}/crm")
        conn = await asyncpg.connect(again.url)
        await conn.close()


GUARDED = """
import os, sys
from crm_shared.devstack import DevStack
stack = DevStack("guarded", data_dir=sys.argv[1], env={}, fast=True, guarded=True).start()
print(stack.nats.pid, stack.postgres.pid, flush=True)
os.kill(os.getpid(), 9)  # a bench tool killed: nothing of its own stops the servers
"""


def test_a_guarded_stacks_servers_stop_when_its_process_is_killed(tmp_path: Path) -> None:
    """`make run`'s and the bench tools' servers do not outlive them (`guarded=True`)."""
    done = subprocess.run(
        [sys.executable, "-c", GUARDED, str(tmp_path)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    pids = [int(p) for p in done.stdout.split()]
    assert len(pids) == 2

    def gone() -> bool:
        return not any(
            psutil.pid_exists(p) and psutil.Process(p).status() != "zombie" for p in pids
        )

    for _ in range(300):
        if gone():
            break
        time.sleep(0.1)
    assert gone(), f"servers {pids} outlived their stack's process"
