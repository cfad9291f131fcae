"""A watchman for the embedded servers: they stop when their launcher dies, however it dies.

The services get the parent-death signal, but PostgreSQL is started through `pg_ctl` (it
runs detached) and both servers live in their own sessions, so a launcher killed with
SIGKILL used to leave them running until the next `make run` replaced them. The launcher now
starts `python -c ... guard(PID:SIGNAL ...)` with a pipe as its stdin and
never writes to it: the kernel closes the pipe when the launcher ends, for any reason. A
launcher that stops the servers itself first tells the guard (`release`), which then just
exits; otherwise, at the end of its input, the guard signals each server (SIGINT is
PostgreSQL's fast shutdown, SIGTERM NATS's clean one).
"""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys

import psutil

RELEASED = "released"


_MAIN = "import sys; from crm_shared.devstack._guard import guard; guard(sys.argv[1:])"


class ServerGuard:
    """The launcher's side: start the guard, and release it after a clean stop."""

    def __init__(self, servers: dict[int, signal.Signals]) -> None:
        args = [f"{pid}:{sig.name}" for pid, sig in servers.items()]
        self._proc = subprocess.Popen(
            # -c, not -m: the package is imported already, and runpy warns of running one of
            # its modules again as __main__.
            [sys.executable, "-c", _MAIN, *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            # Its own session: a Ctrl-C on the terminal reaches only the launcher.
            start_new_session=True,
        )

    def release(self) -> None:
        """The servers were stopped cleanly: the guard has nothing to do."""
        assert self._proc.stdin is not None
        with contextlib.suppress(OSError):
            self._proc.stdin.write(f"{RELEASED}\n".encode())
            self._proc.stdin.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._proc.wait(5)


def guard(targets: list[str]) -> None:
    """The guard's side: wait for the launcher's word; without it, signal the servers."""
    servers: list[tuple[psutil.Process, signal.Signals]] = []
    for target in targets:
        pid, name = target.split(":")
        with contextlib.suppress(psutil.Error):
            # Kept as psutil processes: a pid reused later is not mistaken for the server.
            servers.append((psutil.Process(int(pid)), signal.Signals[f"{name}"]))
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    said = sys.stdin.read()  # until the launcher releases us or is gone
    if said.strip() == RELEASED:
        return
    for proc, sig in servers:
        with contextlib.suppress(psutil.Error):
            if proc.is_running():
                proc.send_signal(sig)
