"""DevStack: NATS + PostgreSQL for a dev run or a test session, or external ones from env."""

from __future__ import annotations

import os
import signal
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Self

from crm_shared.devstack._guard import ServerGuard
from crm_shared.devstack._nats import EmbeddedNats
from crm_shared.devstack._postgres import EmbeddedPostgres
from crm_shared.machinery import devrun

NATS_URL_ENV = "CRM_NATS_URL"
DATABASE_URL_ENV = "CRM_DATABASE_URL"
DATA_DIR_ENV = devrun.DATA_DIR_ENV


def default_data_dir(name: str, env: Mapping[str, str] | None = None) -> Path:
    """``$CRM_DATA_DIR/<name>``, or ``<cwd>/.crm-data/<name>`` when that is unset."""
    return devrun.data_root(env) / name


class DevStack:
    """Embedded NATS and PostgreSQL sharing one data directory.

    If ``CRM_NATS_URL`` / ``CRM_DATABASE_URL`` are set in ``env`` (default:
    ``os.environ``) that server is taken as given and not started here.
    Ports default to free ones; pass fixed ports for a stable dev setup. ``guarded``: a
    watchman (`ServerGuard`) stops the embedded servers should this process be killed
    before it stops them (`make run` and the bench tools; a test's stack needs none).
    """

    def __init__(
        self,
        name: str = "dev",
        *,
        data_dir: Path | str | None = None,
        nats_port: int | None = None,
        pg_port: int | None = None,
        env: Mapping[str, str] | None = None,
        fast: bool = False,
        sync_always: bool = False,
        guarded: bool = False,
    ) -> None:
        env = os.environ if env is None else env
        self.data_dir = Path(data_dir) if data_dir is not None else default_data_dir(name, env)
        self.external_nats_url = env.get(NATS_URL_ENV) or None
        self.external_database_url = env.get(DATABASE_URL_ENV) or None
        self.nats: EmbeddedNats | None = None
        self.postgres: EmbeddedPostgres | None = None
        self.guarded = guarded
        self._guard: ServerGuard | None = None
        if self.external_nats_url is None:
            self.nats = EmbeddedNats(self.data_dir, nats_port, sync_always=sync_always)
        if self.external_database_url is None:
            self.postgres = EmbeddedPostgres(self.data_dir, pg_port, fast=fast)

    @property
    def nats_url(self) -> str:
        """URL of the NATS server in use, as its administrator (crm-admin) when embedded,
        else ``CRM_NATS_URL`` as given: for tools and tests, never for a service."""
        if self.nats is not None:
            return self.nats.url
        assert self.external_nats_url is not None
        return self.external_nats_url

    def nats_url_as(self, user: str) -> str:
        """The embedded NATS as `user` of deploy/nats/accounts.conf (a service's own user is
        its name); its address without credentials for a name that is no user there (a
        stand-in service of a test, refused should it connect). ``CRM_NATS_URL`` as given
        when external: those servers' users are their operator's business."""
        if self.nats is None:
            return self.nats_url
        if user not in self.nats.users.passwords:
            return self.nats.address
        return self.nats.url_as(user)

    @property
    def database_url(self) -> str:
        """URL of the database in use (embedded or from ``CRM_DATABASE_URL``)."""
        if self.postgres is not None:
            return self.postgres.url
        assert self.external_database_url is not None
        return self.external_database_url

    def env(self, service: str | None = None) -> dict[str, str]:
        """The variables `service` needs to find this stack (NATS as its own user); without
        a service, as the administrator."""
        nats_url = self.nats_url if service is None else self.nats_url_as(service)
        return {NATS_URL_ENV: nats_url, DATABASE_URL_ENV: self.database_url}

    def start(self) -> Self:
        """Start the embedded servers; on failure stop whatever already started."""
        try:
            if self.nats is not None:
                self.nats.start()
            if self.postgres is not None:
                self.postgres.start()
            if self.guarded:
                self._guard = self._watchman()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop the embedded servers (PostgreSQL first, NATS second); safe to repeat."""
        try:
            if self.postgres is not None:
                self.postgres.stop()
        finally:
            if self.nats is not None:
                self.nats.stop()
            if self._guard is not None:  # stopped cleanly: the watchman has nothing to do
                self._guard.release()
                self._guard = None

    def _watchman(self) -> ServerGuard | None:
        servers = {}
        if self.postgres is not None and self.postgres.pid is not None:
            servers[self.postgres.pid] = signal.SIGINT  # PostgreSQL's fast shutdown
        if self.nats is not None and self.nats.pid is not None:
            servers[self.nats.pid] = signal.SIGTERM
        return ServerGuard(servers) if servers else None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
