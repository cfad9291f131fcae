"""The launcher's service processes: started, watched through /healthz, restarted, stopped.

Each service runs as its own process in its own session (Ctrl-C reaches only the launcher,
which stops the services before the servers they depend on). Services never outlive the
launcher: on Linux the kernel sends them SIGTERM when it dies (parent-death signal), and
each also watches that its parent is still the launcher (CRM_PARENT_PID), which covers the
rest. A service that exits while it should run is started again after a pause that grows
while it keeps failing; one that refuses its configuration (exit status 2) is not, as
another try would fail the same way.

What it says goes to the operator of `make run`, in Russian; a service's states on /healthz
are codes (`{"nats": "connecting"}`), said in words (`crm_shared.locale.words.HEALTH_STATES`).
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from crm_shared.locale import duration
from crm_shared.locale.words import HEALTH_PARTS, HEALTH_STATES, word

BAD_CONFIGURATION = 2  # exit status of `python -m <service>` for a bad configuration or usage
# Pause before a restart: doubled after each start that lasted less than STABLE_AFTER.
FIRST_BACKOFF = 1.0
MAX_BACKOFF = 30.0
STABLE_AFTER = 30.0
SHOW_EVERY = 2.0  # the launcher says what services wait for at most this often
STARTING, RESTARTING, SILENT = "запускается", "перезапускается", "не отвечает на /healthz"


class GaveUp(Exception):
    """A service cannot be kept running; the message says which and why."""


@dataclass
class Supervised:
    """One service of the launcher, across its restarts."""

    name: str
    package: str
    metrics_port: int
    env: Mapping[str, str]
    proc: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    restart_at: float | None = None
    backoff: float = FIRST_BACKOFF
    restarts: int = 0
    waits_for: str = field(default=STARTING)

    @property
    def pid(self) -> int | None:
        """The current process id (None between an exit and its restart)."""
        return None if self.proc is None else self.proc.pid

    def spawn(self) -> None:
        """Start `python -m <package>` (its metrics on `metrics_port`)."""
        launcher = os.getpid()
        env = {**self.env, "CRM_METRICS_PORT": str(self.metrics_port)}
        env["CRM_PARENT_PID"] = str(launcher)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", self.package],
            env=env,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            # preexec_fn is unsafe only with threads; the launcher has none.
            preexec_fn=lambda: _die_with_parent(launcher),
        )
        self.started_at = time.monotonic()
        self.restart_at = None
        self.waits_for = STARTING

    def health(self) -> str:
        """'' when /healthz says ready, else what the service waits for (in Russian)."""
        url = f"http://127.0.0.1:{self.metrics_port}/healthz"
        try:
            with urllib.request.urlopen(url, timeout=1):
                return ""
        except urllib.error.HTTPError as exc:  # 503: not ready, and the body says why
            with contextlib.suppress(ValueError, OSError, AttributeError):
                report = json.loads(exc.read())
                return _waits_for(report)
            return STARTING
        except TimeoutError:
            return SILENT
        except OSError:  # not listening yet
            return STARTING

    def signal(self, sig: signal.Signals) -> None:
        """Send `sig` to the service's whole process group."""
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, sig)


class Supervisor:
    """Keeps the services running and reports what they wait for."""

    def __init__(self, services: list[Supervised], say: Callable[[str], None]) -> None:
        self.services = services
        self._say = say
        self._waiting_shown = ""
        self._next_show = 0.0

    def start_all(self) -> None:
        """Spawn every service."""
        for svc in self.services:
            svc.spawn()

    def tick(self) -> bool:
        """Restart what exited, poll health; True when every service is ready."""
        now = time.monotonic()
        for svc in self.services:
            self._check_exit(svc, now)
            if svc.restart_at is not None and now >= svc.restart_at:
                svc.restarts += 1
                svc.spawn()
                self._say(
                    f"{svc.name} перезапущен (процесс {svc.pid}, перезапуск № {svc.restarts})"
                )
        for svc in self.services:
            svc.waits_for = svc.health() if svc.restart_at is None else RESTARTING
        return all(not svc.waits_for for svc in self.services)

    def show_waiting(self) -> None:
        """Say what the services not ready wait for, when that changed (every 2 s at most)."""
        waiting = "; ".join(f"{s.name} ({s.waits_for})" for s in self.services if s.waits_for)
        now = time.monotonic()
        if not waiting:
            self._waiting_shown = ""  # all ready: the next wait is news, even if the same
        elif waiting != self._waiting_shown and now >= self._next_show:
            self._say(f"ещё не готовы: {waiting}")
            self._waiting_shown = waiting
            self._next_show = now + SHOW_EVERY

    def _check_exit(self, svc: Supervised, now: float) -> None:
        if svc.proc is None or svc.restart_at is not None:
            return
        code = svc.proc.poll()
        if code is None:
            return
        if code == BAD_CONFIGURATION:
            raise GaveUp(
                f"{svc.name} завершился с кодом 2 (неверная конфигурация); перезапуска не будет"
            )
        if now - svc.started_at >= STABLE_AFTER:
            svc.backoff = FIRST_BACKOFF
        svc.restart_at = now + svc.backoff
        how = f"с кодом {code}" if code >= 0 else f"по сигналу {signal.Signals(-code).name}"
        self._say(
            f"{svc.name} (процесс {svc.proc.pid}) завершился {how}; "
            f"перезапуск через {duration(svc.backoff)}"
        )
        svc.backoff = min(svc.backoff * 2, MAX_BACKOFF)

    def stop_all(self, timeout: float) -> None:
        """SIGTERM every service, wait up to `timeout` s, then SIGKILL what is left."""
        for svc in self.services:
            svc.signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for svc in self.services:
            if svc.proc is None:
                continue
            try:
                svc.proc.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self._say(
                    f"{svc.name} не остановился за {duration(timeout)}: завершаю его (SIGKILL)"
                )
                svc.signal(signal.SIGKILL)
                svc.proc.wait()


def _waits_for(report: dict[str, str]) -> str:
    """The servers a /healthz report waits for («NATS: подключается»), else «запускается»."""
    waiting = [(part, state) for part, state in report.items() if state != "ok"]
    servers = [
        f"{word(HEALTH_PARTS, part)}: {word(HEALTH_STATES, state)}"
        for part, state in waiting
        if part not in ("service", "nats_requests")
    ]
    return ", ".join(servers) or STARTING


def _die_with_parent(launcher: int) -> None:
    """Runs in the child before exec: on Linux, get SIGTERM when the launcher dies."""
    if sys.platform == "linux":
        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
    if os.getppid() != launcher:  # it died before the line above took effect
        os._exit(1)
