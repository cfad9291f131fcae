"""``python -m crm_shared.launcher`` (what ``make run`` calls): the whole CRM on one machine.

Starts embedded NATS + PostgreSQL (unless CRM_NATS_URL / CRM_DATABASE_URL point
elsewhere), runs every service's migrations, starts every service as its own
process and supervises them until Ctrl-C.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from crm_shared.devstack import DevStack

# (display name, python package run with -m, metrics port)
Service = tuple[str, str, int]

SERVICES: list[Service] = [
    ("deal-service", "deal_service", 9101),
    ("task-service", "task_service", 9102),
    ("notifier", "notifier", 9103),
    ("gateway", "gateway", 9104),
]
# The dev stack's sign-in passwords, made once by `python -m gateway migrate` (one per
# configured user) and kept under the data dir, so a newcomer can sign in at once.
DEV_PASSWORDS = "gateway-dev-passwords.json"
DEFAULT_NATS_PORT = 4322
DEFAULT_PG_PORT = 5532
MIGRATE_NOTHING_TO_DO = 3  # exit code of `python -m <pkg> migrate` when a service has no migrations
STOP_TIMEOUT = 10.0
ASYNCAPI_DOC = Path("docs/asyncapi.yaml")


class LaunchError(Exception):
    """A step failed; the message is printed and the launcher exits non-zero."""


class _Shutdown(BaseException):
    """Raised from the signal handler; BaseException so ``except Exception`` won't eat it."""


@dataclass
class _Running:
    name: str
    metrics_port: int
    proc: subprocess.Popen[bytes]


def _on_signal(signum: int, frame: FrameType | None) -> None:
    raise _Shutdown(signal.Signals(signum).name)


def _die_with_parent() -> None:
    """Runs in the child before exec: on Linux, get SIGTERM if the launcher is SIGKILLed.

    Services run in their own session, so without this a killed launcher would
    leave them running and holding their metrics ports.
    """
    if sys.platform == "linux":
        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def _runnable(package: str) -> str | None:
    """Return why ``python -m package`` cannot run, or None if it can.

    Checked through the import spec only: importing service code here would make
    shared machinery depend on the services.
    """
    spec = importlib.util.find_spec(package)
    if spec is None:
        return "not installed"
    locations = spec.submodule_search_locations or []
    if not any(Path(loc, "__main__.py").is_file() for loc in locations):
        return "has no __main__ yet"
    return None


def _migrate(name: str, package: str, env: dict[str, str]) -> None:
    print(f"migrating {name} ...", flush=True)
    done = subprocess.run(
        [sys.executable, "-m", package, "migrate"],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        timeout=600,
    )
    if done.returncode == MIGRATE_NOTHING_TO_DO:
        print(f"  {name}: no migrations yet", flush=True)
    elif done.returncode != 0:
        output = done.stdout.decode(errors="replace")
        raise LaunchError(f"migration of {name} failed (exit {done.returncode}):\n{output}")


def _spawn(name: str, package: str, port: int, env: dict[str, str]) -> _Running:
    proc = subprocess.Popen(
        [sys.executable, "-m", package],
        env={**env, "CRM_METRICS_PORT": str(port)},
        stdin=subprocess.DEVNULL,
        # Own session: Ctrl-C reaches only the launcher, which stops services
        # before the servers they depend on.
        start_new_session=True,
        # preexec_fn is unsafe only with threads; the launcher has none.
        preexec_fn=_die_with_parent,
    )
    return _Running(name, port, proc)


def _stop_services(running: Sequence[_Running]) -> None:
    """SIGTERM every service (whole process group), wait up to 10 s, SIGKILL leftovers."""

    def signal_group(r: _Running, sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(r.proc.pid, sig)

    for r in running:
        signal_group(r, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT
    for r in running:
        try:
            r.proc.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            print(f"{r.name} did not stop within {STOP_TIMEOUT:.0f} s, killing it", flush=True)
            signal_group(r, signal.SIGKILL)
            r.proc.wait()


def _print_banner(stack: DevStack, running: Sequence[_Running]) -> None:
    nats_note = (
        f"  (monitor {stack.nats.monitor_url})" if stack.nats else "  (external, CRM_NATS_URL)"
    )
    pg_note = "" if stack.postgres else "  (external, CRM_DATABASE_URL)"
    doc_note = "" if ASYNCAPI_DOC.exists() else "  (not generated yet)"
    lines = [
        "",
        "=" * 72,
        "CRM dev stack is up",
        f"  NATS       {stack.nats_url}{nats_note}",
        f"  Postgres   {stack.database_url}{pg_note}",
        f"  Data dir   {stack.data_dir.resolve()}",
        f"  AsyncAPI   {ASYNCAPI_DOC}{doc_note}",
    ]
    for r in running:
        metrics = f"http://127.0.0.1:{r.metrics_port}/metrics"
        lines.append(f"  {r.name:<14} pid {r.proc.pid:<8} metrics {metrics}")
    if not running:
        lines.append("  (no service could be started)")
    if any(r.name == "gateway" for r in running):
        port = os.environ.get("CRM_GATEWAY_PORT", "8000")
        lines.append(
            f"  Board      http://127.0.0.1:{port}  (API http://127.0.0.1:{port}/api/docs)"
        )
        lines += dev_password_lines(stack.data_dir / DEV_PASSWORDS)
    lines += ["Ctrl-C stops everything.", "=" * 72, ""]
    print("\n".join(lines), flush=True)


def dev_password_lines(path: Path) -> list[str]:
    """The banner's sign-in lines: each user and the dev password the gateway made."""
    try:
        passwords: dict[str, str] = json.loads(path.read_text())
    except (OSError, ValueError):
        return []
    return [f"  Sign in    {user:<10} {pw}" for user, pw in passwords.items()]


def _watch(running: Sequence[_Running]) -> int:
    """Block until a service exits; report it and return a non-zero exit code."""
    while True:
        for r in running:
            code = r.proc.poll()
            if code is not None:
                print(
                    f"{r.name} (pid {r.proc.pid}) exited with code {code}; stopping everything",
                    flush=True,
                )
                return code if code > 0 else 1
        time.sleep(0.3)


def main(services: Sequence[Service] | None = None) -> int:
    """Run the stack until Ctrl-C/SIGTERM (exit 0) or until a service dies (non-zero)."""
    services = SERVICES if services is None else services
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _on_signal)
    stack = DevStack(
        "run",
        nats_port=int(os.environ.get("CRM_RUN_NATS_PORT", DEFAULT_NATS_PORT)),
        pg_port=int(os.environ.get("CRM_RUN_PG_PORT", DEFAULT_PG_PORT)),
        # We claim durability, so the dev run acks only what is on disk.
        sync_always=True,
    )
    running: list[_Running] = []
    code = 0
    try:
        if stack.nats or stack.postgres:
            print(f"starting embedded servers (data in {stack.data_dir}) ...", flush=True)
        stack.start()
        env = {**os.environ, **stack.env(), "PYTHONUNBUFFERED": "1"}
        if stack.postgres is not None:  # our own dev database: make sign-in passwords
            env.setdefault("CRM_GATEWAY_DEV_PASSWORDS", str(stack.data_dir / DEV_PASSWORDS))
        ready: list[Service] = []
        for name, package, port in services:
            reason = _runnable(package)
            if reason is None:
                ready.append((name, package, port))
            else:
                print(f"skipping {name}: package {package} {reason}", flush=True)
        for name, package, _port in ready:
            _migrate(name, package, env)
        for name, package, port in ready:
            running.append(_spawn(name, package, port, env))
        _print_banner(stack, running)
        code = _watch(running)
    except _Shutdown:
        print("\nstopping ...", flush=True)
    except (LaunchError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        code = 1
    finally:
        # A second Ctrl-C must not abort the shutdown halfway (e.g. Postgres mid-stop).
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)
        try:
            _stop_services(running)
        finally:
            stack.stop()
    print("all stopped", flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
