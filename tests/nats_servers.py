"""deploy/nats's shipped configurations on real nats-servers, for the deploy tests.

The configurations are copied to a temporary folder with only their ports replaced by free
ones (so a developer's own NATS on 4222 or a parallel run never collides); the users,
permissions and JetStream settings are exactly what we ship.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from crm_shared.devstack import free_port, nats_server_binary
from tests.support import eventually

NATS_DIR = Path(__file__).resolve().parent.parent / "deploy" / "nats"
USERS = [
    "deal-service",
    "task-service",
    "notifier",
    "gateway",
    "lead-source",
    "crm-cli",
    "crm-admin",
    "sys",
]
PASSWORDS = {u: f"pw-{u}" for u in USERS}
ADDRESS = re.compile(r"\b(?:127\.0\.0\.1|0\.0\.0\.0):(\d+)")


def password_env() -> dict[str, str]:
    """NATS_<USER>_PASSWORD, as accounts.conf reads them."""
    return {f"NATS_{u.upper().replace('-', '_')}_PASSWORD": pw for u, pw in PASSWORDS.items()}


def binary() -> Path:
    try:
        return nats_server_binary()
    except RuntimeError as exc:
        pytest.skip(str(exc))


def copy_configs(tmp: Path, names: list[str]) -> dict[int, int]:
    """Copy `names` and accounts.conf to `tmp`, every listen port moved to a free one."""
    shutil.copy(NATS_DIR / "accounts.conf", tmp / "accounts.conf")
    texts = {n: (NATS_DIR / n).read_text() for n in names}
    ports = {int(p) for text in texts.values() for p in ADDRESS.findall(text)}
    moved: dict[int, int] = {}
    for port in sorted(ports):
        while (new := free_port()) in moved.values():  # the OS may hand out a port twice
            pass
        moved[port] = new
    for name, text in texts.items():
        text = ADDRESS.sub(lambda m: f"127.0.0.1:{moved[int(m.group(1))]}", text)
        (tmp / name).write_text(text)
    return moved


def monitor_port(conf: Path) -> int:
    match = re.search(r"^http: 127\.0\.0\.1:(\d+)", conf.read_text(), re.MULTILINE)
    assert match, conf
    return int(match.group(1))


def healthy(port: int) -> bool:
    """/healthz answers 200 once the node's JetStream is ready (in a cluster: has a leader)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as resp:
            return bool(resp.status == 200)
    except OSError:
        return False


@contextlib.contextmanager
def servers(tmp: Path, names: list[str]) -> Iterator[None]:
    """Run one nats-server per config in `tmp` (its cwd, so stores land in tmp/data)."""
    env = {**os.environ, **password_env()}
    procs = [
        subprocess.Popen(
            [str(binary()), "-c", str(tmp / n)],
            cwd=tmp,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=(tmp / f"{n}.log").open("wb"),
        )
        for n in names
    ]
    try:
        yield
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


async def wait_healthy(tmp: Path, names: list[str], timeout: float = 30) -> None:
    for name in names:
        port = monitor_port(tmp / name)
        await eventually(lambda p=port: asyncio.to_thread(healthy, p), timeout=timeout)
