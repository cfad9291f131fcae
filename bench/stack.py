"""The whole stack for one measuring tool: fresh embedded servers, the four services as
processes (each signed in to NATS as its own user, as in `make run`), warmed up.

`bench.cpu_probe`, `bench.calls`, `bench.profile` and `bench.statements` start the same
stack; each says only what differs (a server setting before the services start, an
environment of a service's own).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from bench import door, e2e
from bench.procs import PACKAGES, Service, create_database, service_env
from crm_shared.devstack import DevStack, free_port


@dataclass
class Running:
    """The servers, the services' database and environment, the gateway's port."""

    stack: DevStack
    db: str
    env: dict[str, str]
    port: int
    services: dict[str, Service]

    def token(self, name: str) -> str:
        """A new integration token that may send leads (`python -m gateway tokens create`)."""
        return door.make_token({**os.environ, **self.env}, name, "leads:write")

    @property
    def servers(self) -> dict[str, int | None]:
        """The servers' process ids, for `bench.cpu.stack_pids`."""
        assert self.stack.nats is not None and self.stack.postgres is not None
        return {"nats-server": self.stack.nats.pid, "PostgreSQL": self.stack.postgres.pid}


@contextlib.asynccontextmanager
async def running(
    name: str,
    data: Path,
    *,
    before: Callable[[DevStack], Awaitable[None]] | None = None,
    service_extra: Callable[[str], dict[str, str]] | None = None,
) -> AsyncIterator[Running]:
    """Everything under `data` (emptied first); `before(stack)` runs once the servers are up
    and before the services are; `service_extra(service)` is added to that service's
    environment. Warmed up with 500 leads (plans, pools, imports); stopped afterwards."""
    _fresh(data)
    with DevStack(name, data_dir=data / "servers", env={}, guarded=True) as stack:
        if before is not None:
            await before(stack)
        db = await create_database(stack.database_url, name.replace("-", "_"))
        port = free_port()
        env = service_env(stack.nats_url, db, CRM_GATEWAY_PORT=str(port))
        svc = {
            n: Service(n, env, data / "logs", nats_as=stack.nats_url_as)
            for n in [*PACKAGES, "gateway"]
        }
        try:
            for n, s in svc.items():
                await asyncio.to_thread(s.migrate)
                s.start(extra_env=service_extra(n) if service_extra else None)
            await asyncio.gather(*(s.wait_healthy() for s in svc.values()))
            await e2e.throughput(stack.nats_url, 500, run="warm")
            await e2e.quiesce(stack.nats_url, db)
            yield Running(stack, db, env, port, svc)
        finally:
            for s in svc.values():
                s.stop()


def _fresh(folder: Path) -> None:
    """An empty `folder`: what an earlier run left is deleted."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
