"""Real embedded servers and a real launcher run: no mocks, everything on free ports."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import asyncpg
import nats
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
    assert server.url == f"nats://127.0.0.1:{server.port}"
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
    with EmbeddedNats(tmp_path), pytest.raises(RuntimeError, match=r"in use by .* \(pid \d+\)"):
        EmbeddedNats(tmp_path).start()


async def test_postgres_data_survives_restart(tmp_path: Path) -> None:
    pg = EmbeddedPostgres(tmp_path, fast=True)
    assert pg.port not in RESERVED_PORTS
    assert pg.url == f"postgresql://postgres@127.0.0.1:{pg.port}/crm"
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
        with pytest.raises(RuntimeError, match="in use by"):
            EmbeddedPostgres(tmp_path, fast=True).start()


async def test_devstack_starts_both_servers(tmp_path: Path) -> None:
    with DevStack(data_dir=tmp_path, env={}, fast=True) as stack:
        assert stack.env() == {
            "CRM_NATS_URL": stack.nats_url,
            "CRM_DATABASE_URL": stack.database_url,
        }
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
