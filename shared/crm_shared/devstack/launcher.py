"""``python -m crm_shared.devstack.launcher`` (``make run``): the whole CRM on one machine.

Starts embedded NATS + PostgreSQL (unless CRM_NATS_URL / CRM_DATABASE_URL point
elsewhere: those must answer, or the launcher says so and exits), runs every service's
migrations, starts every service as its own process, says «up» once every one reports
ready on /healthz (and until then what each waits for), restarts a service that exits
(`crm_shared.devstack.supervisor`), and stops everything on Ctrl-C. It exits with a sentence,
not a traceback, when something cannot be done.

What it prints is said to the person who started it, so in Russian (times through
`crm_shared.locale`); the services' own log lines, which it passes through, stay as they are.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from crm_shared.devstack import DevStack, services
from crm_shared.devstack._nats_users import OPERATOR_USER
from crm_shared.devstack._reach import unreachable
from crm_shared.devstack.supervisor import GaveUp, Supervised, Supervisor
from crm_shared.locale import duration, seconds
from crm_shared.machinery import devrun
from crm_shared.machinery.redact import mask_url, mask_urls

# (display name, python package run with -m, metrics port)
Service = tuple[str, str, int]

SERVICES: list[Service] = [(s.name, s.package, s.metrics_port) for s in services.SERVICES]
# The dev stack's sign-in passwords, made once by `python -m gateway migrate` (one per
# configured user) and kept under the data dir, so a newcomer can sign in at once.
DEV_PASSWORDS = "gateway-dev-passwords.json"
DEFAULT_NATS_PORT = devrun.DEFAULT_NATS_PORT
DEFAULT_PG_PORT = devrun.DEFAULT_PG_PORT
POLL_SECONDS = 0.3
MIGRATE_TIMEOUT = 600.0
ASYNCAPI_DOC = Path("docs/asyncapi.yaml")


class LaunchError(Exception):
    """A step failed; the message is printed and the launcher exits non-zero."""


class _Shutdown(BaseException):
    """Raised from the signal handler; BaseException so ``except Exception`` won't eat it."""


_stopping = False


def _on_signal(signum: int, frame: FrameType | None) -> None:
    raise _Shutdown(signal.Signals(signum).name)


def _say(text: str, *, err: bool = False) -> None:
    """Print a line; a closed output means nobody watches any more: stop everything.

    (`make run | head`, a closed terminal.) While stopping, a failed print is ignored, so
    that the clean-up is never cut short by its own messages.
    """
    stream = sys.stderr if err else sys.stdout
    try:
        print(text, file=stream, flush=True)
    except (BrokenPipeError, OSError, ValueError):
        with contextlib.suppress(OSError):
            devnull = open(os.devnull, "w")  # noqa: SIM115 (kept for the rest of the run)
            sys.stdout = sys.stderr = devnull
        if not _stopping:
            raise _Shutdown("вывод закрыт") from None


def _check_reachable(stack: DevStack) -> None:
    """Fail with a sentence when a configured (external) server does not answer."""
    checks = []
    if stack.nats is None:
        checks.append(("NATS", stack.nats_url, "CRM_NATS_URL"))
    if stack.postgres is None:
        checks.append(("PostgreSQL", stack.database_url, "CRM_DATABASE_URL"))
    for what, url, env in checks:
        _say(f"проверяю связь с {what} по адресу {mask_url(url)} …")
        problem = unreachable(what, url)
        if problem:
            raise LaunchError(f"нет связи с {what} по адресу {mask_url(url)} ({env}): {problem}")


def _migrate(name: str, package: str, env: dict[str, str]) -> None:
    _say(f"применяю миграции {name} …")
    try:
        done = subprocess.run(
            [sys.executable, "-m", package, "migrate"],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            timeout=MIGRATE_TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        raise LaunchError(
            f"миграции {name} не закончились за {duration(MIGRATE_TIMEOUT)} "
            "(таблицы держит блокировка другого сеанса?)"
        ) from None
    if done.returncode != 0:
        lines = [line for line in done.stdout.decode(errors="replace").splitlines() if line.strip()]
        last = f"«{mask_urls(lines[-1].strip())}»" if lines else "вывода нет"
        raise LaunchError(
            f"миграции {name} не прошли (код выхода {done.returncode}): {last}\n"
            f"  весь вывод покажет `{sys.executable} -m {package} migrate`"
        )


def _print_banner(stack: DevStack, services: Sequence[Supervised]) -> None:
    # Our own servers: their URLs with the passwords made for them (the operator's NATS
    # user, `crm`'s); external ones as configured, their passwords masked.
    if stack.nats is not None:
        nats_line = f"{stack.nats_url_as(OPERATOR_USER)}  (мониторинг {stack.nats.monitor_url})"
    else:
        nats_line = f"{mask_url(stack.nats_url)}  (внешний, CRM_NATS_URL)"
    pg_line = stack.database_url
    if stack.postgres is None:
        pg_line = f"{mask_url(stack.database_url)}  (внешний, CRM_DATABASE_URL)"
    doc_note = "" if ASYNCAPI_DOC.exists() else "  (ещё не создан: `make asyncapi`)"
    lines = [
        "",
        "=" * 72,
        "CRM запущена: все сервисы готовы",
        f"  NATS         {nats_line}",
        f"  PostgreSQL   {pg_line}",
        f"  Данные       {stack.data_dir.resolve()}",
        f"  AsyncAPI     {ASYNCAPI_DOC}{doc_note}",
    ]
    for svc in services:
        metrics = f"http://127.0.0.1:{svc.metrics_port}/metrics"
        lines.append(f"  {svc.name:<14} процесс {svc.pid or '—':<8} метрики {metrics}")
    if not services:
        lines.append("  (ни один сервис не запущен)")
    if any(svc.name == "gateway" for svc in services):
        port = os.environ.get("CRM_GATEWAY_PORT", "8000")
        lines.append(
            f"  Доска        http://127.0.0.1:{port}  (API http://127.0.0.1:{port}/api/docs)"
        )
        lines += dev_password_lines(stack.data_dir / DEV_PASSWORDS)
    lines += ["Ctrl-C останавливает всё.", "=" * 72, ""]
    _say("\n".join(lines))


def dev_password_lines(path: Path) -> list[str]:
    """The banner's sign-in lines: each user and the dev password the gateway made."""
    try:
        passwords: dict[str, str] = json.loads(path.read_text())
    except (OSError, ValueError):
        return []
    return [f"  Вход         {user:<10} {pw}" for user, pw in passwords.items()]


def _supervise(stack: DevStack, supervisor: Supervisor) -> None:
    """Until Ctrl-C: restart what exits, say what is awaited, «up» once all are ready."""
    announced = ready_before = False
    while True:
        ready = supervisor.tick()
        if ready and not announced:
            _print_banner(stack, supervisor.services)
            announced = True
        elif ready and not ready_before:
            _say("все сервисы снова готовы")
        supervisor.show_waiting()
        ready_before = ready
        time.sleep(POLL_SECONDS)


def main(services: Sequence[Service] | None = None) -> int:
    """Run the stack until Ctrl-C/SIGTERM (exit 0) or until it cannot go on (non-zero)."""
    global _stopping
    services = SERVICES if services is None else services
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _on_signal)
    stack = dev_stack()
    supervisor = Supervisor([], _say)
    code = 0
    try:
        embedded = stack.nats or stack.postgres
        if embedded:
            _say(f"запускаю встроенные серверы (данные в {stack.data_dir}) …")
        began = time.monotonic()
        stack.start()
        if embedded:
            _say(f"  встроенные серверы запущены за {seconds(time.monotonic() - began)}")
        _check_reachable(stack)
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        if stack.postgres is not None:  # our own dev database: make sign-in passwords
            env.setdefault("CRM_GATEWAY_DEV_PASSWORDS", str(stack.data_dir / DEV_PASSWORDS))
        # Each service on the bus as its own NATS user (deploy/nats/accounts.conf).
        own = {name: {**env, **stack.env(name)} for name, _pkg, _port in services}
        for name, package, _port in services:
            _migrate(name, package, own[name])
        supervisor.services = [Supervised(n, pkg, port, own[n]) for n, pkg, port in services]
        supervisor.start_all()
        _supervise(stack, supervisor)
    except _Shutdown as why:
        _stopping = True
        _say(f"\nостанавливаю всё ({why}) …")
    except (LaunchError, GaveUp, RuntimeError) as exc:
        _stopping = True
        _say(f"ошибка: {exc}", err=True)
        code = 1
    finally:
        _stopping = True
        # A second Ctrl-C must not abort the shutdown halfway (e.g. Postgres mid-stop).
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)
        try:
            supervisor.stop_all(_stop_timeout())
        finally:
            stack.stop()
    _say("всё остановлено")
    return code


def dev_stack(data_dir: Path | None = None) -> DevStack:
    """The stack `make run` runs: its ports, its data dir (`data_dir`, else CRM_RUN_DATA_DIR,
    else `.crm-data/run`), CRM_*_URL honoured.

    Its `nats_url` / `database_url` are where `crm backup` and `crm restore` go by default.
    """
    return DevStack(
        "run",
        data_dir=data_dir or os.environ.get(devrun.RUN_DATA_DIR_ENV) or None,
        nats_port=int(os.environ.get("CRM_RUN_NATS_PORT", DEFAULT_NATS_PORT)),
        pg_port=int(os.environ.get("CRM_RUN_PG_PORT", DEFAULT_PG_PORT)),
        # We claim durability, so the dev run acks only what is on disk.
        sync_always=True,
        guarded=True,  # the servers stop should the launcher be killed, however it dies
    )


def _stop_timeout() -> float:
    """How long a service may take to stop: its own bound, and a margin."""
    return float(os.environ.get("CRM_STOP_TIMEOUT_SECONDS", "5")) + 3


if __name__ == "__main__":
    sys.exit(main())
