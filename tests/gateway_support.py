"""The gateway for a test: the three services and the gateway in this process, HTTP on a
free port, and an httpx client that signs in like a browser (cookie + CSRF header)."""

from __future__ import annotations

import contextlib
import functools
import ssl
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
from argon2 import PasswordHasher

from crm_shared.config import CrmConfig, load_config
from crm_shared.machinery.db import create_pool
from crm_shared.machinery.settings import ServiceSettings
from gateway.adapters.store import PeopleStore
from gateway.adapters.tokens_store import TokenStore
from gateway.bootstrap import Gateway
from gateway.handlers.auth import set_password
from gateway.handlers.tokens import NewToken, create_token
from gateway.settings import Settings
from tests.services import nats_url_of, running

PASSWORD = "correct horse battery"


TLS = ssl.create_default_context()
"""One TLS context for every test client (the gateway is plain HTTP here): httpx would load
the CA bundle again for each client, about 20 ms of CPU, thousands of times in a run."""


@dataclass
class Door:
    """A running gateway and where it answers."""

    gateway: Gateway
    url: str

    def client(self, **kwargs: Any) -> httpx.AsyncClient:
        """An HTTP client of the gateway (cookies kept, like a browser)."""
        return httpx.AsyncClient(base_url=self.url, timeout=20, verify=TLS, **kwargs)

    @contextlib.asynccontextmanager
    async def as_user(
        self, user_id: str, password: str = PASSWORD
    ) -> AsyncIterator[httpx.AsyncClient]:
        """A client signed in as `user_id`, sending the CSRF token on every request."""
        async with self.client() as http:
            body = {"user_id": user_id, "password": password}
            reply = await http.post("/api/session", json=body)
            assert reply.status_code == 200, reply.text
            http.headers["X-CSRF-Token"] = reply.json()["csrf_token"]
            yield http

    async def token(
        self, name: str, scopes: list[str], *, owner: str | None = None, **kwargs: Any
    ) -> NewToken:
        """A new integration token, acting as `owner` (None: leads and events only)."""
        made_as = (self.gateway.ctx.config, owner) if owner else None
        return await create_token(self.gateway.ctx.tokens, name, scopes, owner=made_as, **kwargs)


def gateway_settings(infra: Any, **overrides: Any) -> Settings:
    """Settings for a test gateway: the test servers, free ports."""
    common = ServiceSettings(
        nats_url=nats_url_of(infra, "gateway"),
        database_url=infra.database_url,
        config_path=None,
        metrics_port=0,
    )
    return Settings.from_env().model_copy(update={"common": common, "http_port": 0, **overrides})


@functools.cache
def quick_hash(password: str) -> str:
    """An argon2id hash of `password` with small parameters, made once a process.

    The gateway's `verify` reads the parameters from the stored hash, so a test's users sign
    in through the real check at about 12 ms of CPU instead of 250 (argon2-cffi's defaults,
    which `set_password` uses: three users' passwords and their sign-ins were a quarter of
    the suite's CPU). A test of the hashing itself gives real ones (`real=True`)."""
    return PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(password)


async def give_passwords(
    infra: Any, *user_ids: str, password: str = PASSWORD, real: bool = False
) -> None:
    """Give configured users a password: hashed as `set_password` hashes it when `real`,
    else `quick_hash`'s (the same algorithm, cheaper parameters)."""
    pool = await create_pool(infra.database_url, min_size=1, max_size=2)
    try:
        for user_id in user_ids:
            if real:
                await set_password(load_config(), PeopleStore(pool), user_id, password)
            else:
                await PeopleStore(pool).set_password_hash(user_id, quick_hash(password))
    finally:
        await pool.close()


@contextlib.asynccontextmanager
async def door(
    infra: Any,
    *,
    services: bool = True,
    set_passwords: bool = True,
    real_passwords: bool = False,
    config: CrmConfig | None = None,
    **overrides: Any,
) -> AsyncIterator[Door]:
    """The gateway (and, unless told otherwise, the three services) running, all with
    `config` (the shipped configuration unless given); the three users' passwords are
    `give_passwords`'s (`real_passwords`: hashed as in production)."""
    names = ("deal-service", "task-service", "notifier") if services else ()
    async with running(infra, *names, config=config):
        gw = Gateway(gateway_settings(infra, **overrides), config or load_config())
        await gw.start()
        try:
            if set_passwords:
                await give_passwords(infra, "rop-1", "mgr-1", "mgr-2", real=real_passwords)
            yield Door(gw, f"http://127.0.0.1:{gw.http_port}")
        finally:
            await gw.stop()


def gateway_command(
    *args: str, env: dict[str, str], stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """`python -m gateway ARGS` as an operator runs it (blocking: call it in a thread)."""
    return subprocess.run(
        [sys.executable, "-m", "gateway", *args],
        input=stdin,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


__all__ = ["Door", "TokenStore", "door", "give_passwords"]
