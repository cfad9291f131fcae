"""Starting our services for a test: in this process (fast) or as real processes (crash tests)."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import json
import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from crm_shared.config import CrmConfig, load_config
from crm_shared.devstack.services import BY_NAME
from crm_shared.machinery.settings import ServiceSettings

SERVICES = BY_NAME
SCHEMAS = [s.schema for s in SERVICES.values()]


def migrate_all(database_url: str) -> None:
    """Apply every service's migrations."""
    for spec in SERVICES.values():
        boot = importlib.import_module(f"{spec.package}.bootstrap")
        settings_mod = importlib.import_module(f"{spec.package}.settings")
        settings = _settings(settings_mod, "nats://unused", database_url)
        boot.migrate(settings)


def _settings(settings_mod: Any, nats_url: str, database_url: str) -> Any:
    base = settings_mod.Settings.from_env()
    # The environment's knobs (CRM_ACK_WAIT_SECONDS, ...) as a process would read them; the
    # servers, the configuration and the metrics port are the test's.
    common = ServiceSettings.from_env(0).model_copy(
        update={
            "nats_url": nats_url,
            "database_url": database_url,
            "config_path": None,
            "metrics_port": 0,
        }
    )
    # A port of its own for what serves HTTP (the gateway), as for /metrics.
    extra = {"http_port": 0} if hasattr(base, "http_port") else {}
    return base.model_copy(update={"common": common, **extra})


def build(name: str, nats_url: str, database_url: str, config: CrmConfig | None = None) -> Any:
    """An unstarted service object (its bootstrap class)."""
    spec = SERVICES[name]
    boot = importlib.import_module(f"{spec.package}.bootstrap")
    settings_mod = importlib.import_module(f"{spec.package}.settings")
    settings = _settings(settings_mod, nats_url, database_url)
    cls = next(
        getattr(boot, n)
        for n in dir(boot)
        if isinstance(getattr(boot, n), type)
        and hasattr(getattr(boot, n), "start")
        and getattr(boot, n).__module__ == boot.__name__
    )
    return cls(settings, config or load_config())


def nats_url_of(infra: Any, name: str) -> str:
    """The NATS URL service `name` signs in with: its own user when the servers are the
    suite's (Infra.nats_url_as), else the URL given (a test's own server and user)."""
    as_user = getattr(infra, "nats_url_as", None)
    return str(as_user(name)) if as_user is not None else str(infra.nats_url)


@contextlib.asynccontextmanager
async def running(
    infra: Any, *names: str, config: CrmConfig | None = None
) -> AsyncIterator[list[Any]]:
    """Start the named services in this process; stop them afterwards."""
    started: list[Any] = []
    try:
        for name in names:
            svc = build(name, nats_url_of(infra, name), infra.database_url, config)
            await svc.start()
            started.append(svc)
        yield started
    finally:
        # Together, as `make run`'s processes stop on one signal (each stop waits a moment
        # for its HTTP connections: in turn, that was up to a second a test).
        await asyncio.gather(*(svc.stop() for svc in started))


def health(port: int) -> tuple[int, dict[str, str]] | None:
    """(status, report) of a service's /healthz on `port`, or None while nothing listens."""
    url = f"http://127.0.0.1:{port}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=1) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())
    except OSError:
        return None


def ready(port: int) -> bool:
    """/healthz on `port` answers 200."""
    answer = health(port)
    return answer is not None and answer[0] == 200


CRASH_ACK_WAIT = "5"
"""JetStream's ack wait, seconds, for services run as processes (crash tests)."""


class ServiceProcess:
    """A service as its own OS process, to be killed for real (its output in `log`, if given)."""

    def __init__(
        self,
        name: str,
        infra: Any,
        extra_env: dict[str, str] | None = None,
        log: Path | None = None,
        argv: list[str] | None = None,
    ) -> None:
        """`argv`: what follows `python` (default `-m <package>`; e.g. bench.relay_fault.argv)."""
        self.name = name
        self.log = log
        self.argv = argv or ["-m", SERVICES[name].package]
        self.env = {
            **os.environ,
            "CRM_NATS_URL": nats_url_of(infra, name),
            "CRM_DATABASE_URL": infra.database_url,
            "CRM_METRICS_PORT": "0",
            # What a killed process held comes back after this, not production's 30 s (the
            # durable consumer takes it from whichever process creates it first); a slow
            # batch redelivered meanwhile is the inbox's to recognise, as in production.
            "CRM_ACK_WAIT_SECONDS": CRASH_ACK_WAIT,
            **(extra_env or {}),
        }
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        out = self.log.open("ab") if self.log is not None else None
        try:
            self.proc = subprocess.Popen(
                [sys.executable, *self.argv],
                env=self.env,
                stdout=out or subprocess.DEVNULL,
                stderr=subprocess.STDOUT if out else subprocess.DEVNULL,
            )
        finally:
            if out is not None:
                out.close()

    @property
    def output(self) -> str:
        """What the process logged so far (with `log`)."""
        assert self.log is not None
        return self.log.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL: no clean-up, no flush, as a crash."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    async def wait_exit(self, timeout: float = 20) -> int:
        assert self.proc is not None
        for _ in range(int(timeout * 20)):
            code = self.proc.poll()
            if code is not None:
                return code
            await asyncio.sleep(0.05)
        raise AssertionError(f"{self.name} did not exit")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
