"""Real embedded servers and a real launcher run: no mocks, everything on free ports."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import urllib.request
from pathlib import Path
from typing import Any

import asyncpg
import nats
import pytest

from crm_shared.devstack import DevStack, EmbeddedNats, EmbeddedPostgres, free_port
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


# --- launcher -------------------------------------------------------------------------

SERVICE_MAIN = """
import os, pathlib, signal, sys, time
out = pathlib.Path(os.environ["DUMMY_OUT"])
name = __spec__.parent
if sys.argv[1:] == ["migrate"]:
    (out / f"{name}.migrated").write_text(os.environ["CRM_DATABASE_URL"])
    print(f"{name}: alembic says hello", file=sys.stderr)
    sys.exit(MIGRATE_RC)
if CRASH:
    time.sleep(0.5)
    sys.exit(7)
def bye(*_):
    (out / f"{name}.stopped").write_text(os.environ["CRM_METRICS_PORT"])
    sys.exit(0)
signal.signal(signal.SIGTERM, bye)
(out / f"{name}.running").write_text("")
while True:
    time.sleep(0.1)
"""


def _make_service(root: Path, package: str, *, migrate_rc: int = 0, crash: bool = False) -> None:
    pkg = root / package
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    code = SERVICE_MAIN.replace("MIGRATE_RC", str(migrate_rc)).replace("CRASH", str(crash))
    (pkg / "__main__.py").write_text(textwrap.dedent(code))


def _launch(root: Path, services: list[tuple[str, str, int]]) -> subprocess.Popen[str]:
    """Run launcher.main(services) against fake external servers (none are started)."""
    env = {
        **os.environ,
        "PYTHONPATH": str(root),
        "DUMMY_OUT": str(root),
        "CRM_NATS_URL": "nats://127.0.0.1:1",
        "CRM_DATABASE_URL": "postgresql://postgres@127.0.0.1:1/crm",
    }
    code = f"import sys; from crm_shared.launcher import main; sys.exit(main({services!r}))"
    return subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _wait_for(path: Path, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.05)


def test_launcher_migrates_runs_and_stops_services_on_sigint(tmp_path: Path) -> None:
    _make_service(tmp_path, "svc_a")
    _make_service(tmp_path, "svc_b", migrate_rc=3)
    (tmp_path / "svc_skeleton").mkdir()
    (tmp_path / "svc_skeleton" / "__init__.py").write_text("")
    port_a, port_b = free_port(), free_port()
    services = [
        ("a", "svc_a", port_a),
        ("b", "svc_b", port_b),
        ("skeleton", "svc_skeleton", 1),
        ("missing", "svc_not_installed", 2),
    ]
    proc = _launch(tmp_path, services)
    try:
        _wait_for(tmp_path / "svc_a.running")
        _wait_for(tmp_path / "svc_b.running")
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=20)
    finally:
        proc.kill()
    assert proc.returncode == 0, out
    assert "b: no migrations yet" in out
    assert "skipping skeleton: package svc_skeleton has no __main__ yet" in out
    assert "skipping missing: package svc_not_installed not installed" in out
    assert f"http://127.0.0.1:{port_a}/metrics" in out
    assert "Ctrl-C stops everything" in out
    assert (tmp_path / "svc_a.migrated").read_text().endswith(":1/crm")
    assert (tmp_path / "svc_a.stopped").read_text() == str(port_a)
    assert (tmp_path / "svc_b.stopped").read_text() == str(port_b)


def test_launcher_stops_everything_when_a_service_dies(tmp_path: Path) -> None:
    _make_service(tmp_path, "svc_ok")
    _make_service(tmp_path, "svc_crash", crash=True)
    proc = _launch(tmp_path, [("ok", "svc_ok", free_port()), ("crash", "svc_crash", free_port())])
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 7, out
    assert "crash (pid" in out and "exited with code 7" in out
    assert (tmp_path / "svc_ok.stopped").exists()


def test_launcher_fails_loudly_when_a_migration_fails(tmp_path: Path) -> None:
    _make_service(tmp_path, "svc_bad", migrate_rc=2)
    proc = _launch(tmp_path, [("bad", "svc_bad", free_port())])
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 1, out
    assert "migration of bad failed (exit 2)" in out
    assert "svc_bad: alembic says hello" in out
