"""Where backup and restore find the dev stack: the one module of the command line that
uses `crm_shared.devstack` (an exception in the import contracts, pyproject.toml), as
restoring into a data dir means running that data dir's servers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from crm_shared.devstack import DevStack
from crm_shared.devstack.launcher import DEV_PASSWORDS, dev_stack

__all__ = ["DEV_PASSWORDS", "DevUrls", "dev_urls", "embedded", "start_stack"]


class DevUrls:
    """The dev stack's URLs (credentials included, as its servers are set up) and data dir."""

    def __init__(self, data_dir: Path | None = None) -> None:
        stack = dev_stack(data_dir)
        self.nats_url = stack.nats_url
        self.database_url = stack.database_url
        self.data_dir = stack.data_dir


def dev_urls(data_dir: Path | None = None) -> DevUrls:
    """What `make run` uses (CRM_NATS_URL / CRM_DATABASE_URL when set)."""
    return DevUrls(data_dir)


def embedded(data_dir: Path) -> DevStack:
    """The data dir's own NATS and PostgreSQL, started on free ports (stop them after)."""
    return DevStack("restore", data_dir=data_dir, env={}, sync_always=True).start()


def start_stack(data_dir: Path, config: Path | None) -> int:
    """`make run` on the restored data dir, in the foreground (until Ctrl-C)."""
    env = {**os.environ, "CRM_RUN_DATA_DIR": str(data_dir)}
    if config is not None:
        env["CRM_CONFIG"] = str(config)
    return subprocess.run(
        [sys.executable, "-m", "crm_shared.devstack.launcher"], env=env, check=False
    ).returncode
