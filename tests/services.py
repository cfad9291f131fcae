"""Starting our services for a test: in this process (fast) or as real processes (crash tests)."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from crm_shared.config import CrmConfig, load_config
from crm_shared.settings import ServiceSettings


@dataclass(frozen=True)
class ServiceSpec:
    """Where a service's bootstrap lives and how to build it."""

    package: str
    schema: str


SERVICES: dict[str, ServiceSpec] = {
    "deal-service": ServiceSpec("deal_service", "deal"),
    "notifier": ServiceSpec("notifier", "notifier"),
    "task-service": ServiceSpec("task_service", "task"),
    "gateway": ServiceSpec("gateway", "gateway"),
}
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
    common = ServiceSettings(
        nats_url=nats_url, database_url=database_url, config_path=None, metrics_port=0
    )
    return replace(base, common=common)


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


@contextlib.asynccontextmanager
async def running(
    infra: Any, *names: str, config: CrmConfig | None = None
) -> AsyncIterator[list[Any]]:
    """Start the named services in this process; stop them afterwards."""
    started: list[Any] = []
    try:
        for name in names:
            svc = build(name, infra.nats_url, infra.database_url, config)
            await svc.start()
            started.append(svc)
        yield started
    finally:
        for svc in reversed(started):
            await svc.stop()


class ServiceProcess:
    """A service as its own OS process, to be killed for real (its output in `log`, if given)."""

    def __init__(
        self,
        name: str,
        infra: Any,
        extra_env: dict[str, str] | None = None,
        log: Path | None = None,
    ) -> None:
        self.name = name
        self.log = log
        self.env = {
            **os.environ,
            "CRM_NATS_URL": infra.nats_url,
            "CRM_DATABASE_URL": infra.database_url,
            "CRM_METRICS_PORT": "0",
            **(extra_env or {}),
        }
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        out = self.log.open("ab") if self.log is not None else None
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", SERVICES[self.name].package],
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
