"""Small process and socket helpers shared by the embedded servers."""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

import psutil

LOCALHOST = "127.0.0.1"


def free_port(host: str = LOCALHOST) -> int:
    """Return a TCP port on ``host`` that is free right now.

    The kernel picks it, so two calls rarely collide; there is still a short
    window in which another process could take it before we bind.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def port_is_open(host: str, port: int, timeout: float = 0.2) -> bool:
    """Return True if something accepts TCP connections on ``host:port``."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def ensure_port_free(host: str, port: int, what: str) -> None:
    """Fail early with a readable message instead of a server log full of EADDRINUSE."""
    if port_is_open(host, port):
        raise RuntimeError(f"не могу запустить {what}: {host}:{port} уже занят другим процессом")


def tail(path: Path, lines: int = 30) -> str:
    """Return the last ``lines`` lines of a log file (empty string if missing)."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def stop_process(proc: subprocess.Popen[bytes], timeout: float = 10.0) -> int | None:
    """SIGTERM ``proc``, wait up to ``timeout`` seconds, then SIGKILL it.

    Returns the exit code (None only if the process could not be reaped).
    """
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(5)
    return proc.poll()


def find_stale(pid_file: Path, belongs: Callable[[psutil.Process], bool]) -> psutil.Process | None:
    """Return the live process named in ``pid_file`` if ``belongs`` recognises it as ours.

    A pid file left behind by a killed run may name a recycled pid; ``belongs``
    checks name / command line so we never signal an unrelated process.
    """
    try:
        pid = int(pid_file.read_text().split()[0])
        proc = psutil.Process(pid)
        if pid != os.getpid() and proc.is_running() and belongs(proc):
            return proc
    except (OSError, ValueError, IndexError, psutil.Error):
        pass
    return None


def cmdline_mentions(proc: psutil.Process, name: str, needle: str) -> bool:
    """True if ``proc`` is an executable called ``name`` whose argv contains ``needle``."""
    try:
        argv = proc.cmdline()
        return bool(argv) and Path(argv[0]).name == name and any(needle in a for a in argv)
    except psutil.Error:
        return False


def terminate_stale(proc: psutil.Process, timeout: float = 10.0) -> None:
    """Stop a server left running by a previous (killed) run of ours."""
    with contextlib.suppress(psutil.Error):
        proc.terminate()
        try:
            proc.wait(timeout)
        except psutil.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def wait_until(check: Callable[[], bool], timeout: float, interval: float = 0.05) -> bool:
    """Poll ``check`` until it returns True or ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(interval)
    return check()


class DataDirLock:
    """An exclusive ``flock`` on a file in a data dir, held while our server runs.

    The kernel drops it when the owning process dies, so a lock that cannot be
    taken means another live launcher or test uses the directory, while a server
    left by a killed run (lock gone) may safely be stopped and replaced.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[str] | None = None

    def acquire(self, what: str) -> None:
        """Take the lock or raise RuntimeError naming the pid that holds it."""
        if self._file is not None:
            return
        file = self.path.open("a+")
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            file.seek(0)
            holder = file.read().strip() or "?"
            file.close()
            raise RuntimeError(
                f"данные {what} в {self.path.parent} заняты другим процессом (№ {holder})"
            ) from None
        file.truncate(0)
        file.write(str(os.getpid()))
        file.flush()
        self._file = file

    def release(self) -> None:
        """Drop the lock (closing the file releases the flock)."""
        if self._file is not None:
            self._file.close()
            self._file = None
