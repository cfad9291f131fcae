"""Service processes and small database helpers shared by the benchmarks and the fault runs."""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import asyncpg

from bench.load import poll
from crm_shared.devstack import free_port
from crm_shared.devstack.services import SERVICES
from crm_shared.machinery.db import asyncpg_dsn

ROOT = Path(__file__).resolve().parent.parent
# The HTTP door runs only in the phases and faults that go through it.
ALL_PACKAGES = {s.name: s.package for s in SERVICES}
PACKAGES = {name: package for name, package in ALL_PACKAGES.items() if name != "gateway"}
_LIVE: set[subprocess.Popen[bytes]] = set()


@atexit.register
def _kill_leftovers() -> None:
    """A run cut short (Ctrl-C, an exception) must not leave services running behind it."""
    for proc in list(_LIVE):
        if proc.poll() is None:
            proc.kill()


NatsAs = Callable[[str], str]
"""A NATS server's URL as a user of deploy/nats/accounts.conf (DevStack.nats_url_as)."""


class Service:
    """One service as its own OS process (`python -m <package>`), killable for real.

    `nats_as`: the service signs in to NATS as its own user (its name), as in `make run`,
    rather than with the `CRM_NATS_URL` of `env` (the administrator's)."""

    def __init__(
        self,
        name: str,
        env: dict[str, str],
        log_dir: Path,
        *,
        tag: str = "",
        nats_as: NatsAs | None = None,
    ) -> None:
        self.name = name
        self.package = ALL_PACKAGES[name]
        self.env = {**os.environ, "PYTHONUNBUFFERED": "1", **env}
        if nats_as is not None:
            self.env["CRM_NATS_URL"] = nats_as(name)
        self.log_path = log_dir / f"{name}{tag}.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.metrics_port = 0
        self.starts = 0

    def migrate(self) -> None:
        """`python -m <package> migrate` (what an operator runs before the first start)."""
        subprocess.run(
            [sys.executable, "-m", self.package, "migrate"],
            env=self.env,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def start(self, extra_env: dict[str, str] | None = None, argv: list[str] | None = None) -> None:
        """Spawn the process (on a fresh metrics port, so a restart never collides).

        `argv`: what follows `python` instead of `-m <package>` (bench.relay_fault.argv)."""
        self.metrics_port = free_port()
        # CRM_PARENT_PID: it stops by itself if this process dies without stopping it (a
        # SIGTERM or a SIGKILL runs no atexit), as `make run`'s services do.
        env = {
            **self.env,
            "CRM_METRICS_PORT": str(self.metrics_port),
            "CRM_PARENT_PID": str(os.getpid()),
            **(extra_env or {}),
        }
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, *(argv or ["-m", self.package])],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        _LIVE.add(self.proc)
        self.starts += 1

    @property
    def pid(self) -> int | None:
        """The process id while it runs."""
        return self.proc.pid if self.proc is not None and self.proc.poll() is None else None

    def healthy(self) -> bool:
        """GET /healthz answers 200 (the service has started its consumers)."""
        if self.pid is None:
            return False
        url = f"http://127.0.0.1:{self.metrics_port}/healthz"
        try:
            with urllib.request.urlopen(url, timeout=1) as resp:
                return bool(resp.status == 200)
        except OSError:
            return False

    async def wait_healthy(self, timeout: float = 60.0) -> None:
        """Block (asynchronously) until /healthz says ok."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if await asyncio.to_thread(self.healthy):
                return
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}; see log")
            await asyncio.sleep(0.1)
        raise RuntimeError(f"{self.name} not healthy after {timeout}s; see {self.log_path}")

    async def wait_exit(self, timeout: float) -> int:
        """Wait for the process to end by itself (an injected crash); returns its code."""
        assert self.proc is not None
        proc = self.proc
        if not await poll(lambda: proc.poll() is not None, timeout=timeout, interval=0.05):
            raise RuntimeError(f"{self.name} did not exit within {timeout}s")
        return int(proc.returncode)

    def kill(self) -> None:
        """SIGKILL: no clean-up, no flush, as a crash."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        """SIGTERM (a clean stop), SIGKILL if it does not go within 15 s."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def cpu_seconds(self) -> float | None:
        """CPU time (user + system) the process has used so far, None if not running."""
        if self.pid is None:
            return None
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return None

    def rss_mb(self) -> float | None:
        """Resident memory (VmRSS from /proc/<pid>/status) in MiB, None if not running."""
        if self.pid is None:
            return None
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return None


def service_env(nats_url: str, database_url: str, **extra: str) -> dict[str, str]:
    """What a service needs to find the servers."""
    return {"CRM_NATS_URL": nats_url, "CRM_DATABASE_URL": database_url, **extra}


@contextlib.contextmanager
def services(
    names: list[str],
    env: dict[str, str],
    log_dir: Path,
    *,
    migrate: bool = True,
    nats_as: NatsAs | None = None,
) -> Iterator[dict[str, Service]]:
    """Migrate, then start each named service; stop them all afterwards."""
    started = {name: Service(name, env, log_dir, nats_as=nats_as) for name in names}
    try:
        for svc in started.values():
            if migrate:
                svc.migrate()
            svc.start()
        yield started
    finally:
        for svc in started.values():
            svc.stop()


async def create_database(admin_url: str, name: str) -> str:
    """A new, empty database beside `admin_url`'s; returns its URL (dropped first if there)."""
    conn = await asyncpg.connect(asyncpg_dsn(admin_url))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return admin_url.rsplit("/", 1)[0] + "/" + name


async def execute(url: str, sql: str, *args: Any) -> None:
    """One statement on a one-off connection."""
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        await conn.execute(sql, *args)
    finally:
        await conn.close()


async def fetchval(url: str, sql: str, *args: Any) -> Any:
    """One value from a one-off connection."""
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        return await conn.fetchval(sql, *args)
    finally:
        await conn.close()
