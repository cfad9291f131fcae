"""What a service process waits for, said once plainly and served on /healthz.

A service that cannot reach NATS or PostgreSQL keeps trying (every `RETRY_SECONDS`) and says
so once («waiting for NATS at nats://127.0.0.1:1: connection refused; retrying every 2 s»),
then a short line at growing intervals, never a traceback per attempt. `/healthz` shows the
same states (`{"postgres": "ok", "nats": "connecting", "service": "starting"}`) and answers
503 until every one is "ok".
"""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Callable

import asyncpg
from nats import errors as nats_errors

from crm_shared.machinery.redact import mask_url, mask_urls

log = logging.getLogger(__name__)
# For a second connection to a server another one already reports on: states, no lines.
_silent = logging.getLogger(f"{__name__}.silent")
_silent.disabled = True
RETRY_SECONDS = 2.0
# After the first line, "still waiting" once the wait has lasted this long (seconds), then
# every REPORT_EVERY: a dependency down for an hour leaves about twenty lines, not thousands.
REPORT_AFTER = (10.0, 30.0, 60.0, 120.0, 300.0)
REPORT_EVERY = 300.0
OK = "ok"


class Health:
    """Named states of one process (dependencies and the service itself); ready when all ok."""

    def __init__(self) -> None:
        self._states: dict[str, str] = {}

    def set(self, part: str, state: str) -> None:
        """Record `part`'s state ("ok" when usable; anything else says what it waits for)."""
        self._states[part] = state

    def report(self) -> dict[str, str]:
        """Every part and its state, in the order they were first set."""
        return dict(self._states)

    @property
    def ready(self) -> bool:
        """Every part is ok (and there is at least one)."""
        return bool(self._states) and all(s == OK for s in self._states.values())


class Dependency:
    """A server the process needs: its state in `health` and its lines in the log."""

    def __init__(
        self, health: Health, part: str, what: str, url: str, *, silent: bool = False
    ) -> None:
        self._health = health
        self._log = _silent if silent else log
        self.part = part
        self.what = what
        self.url = mask_url(url)
        self._waiting_since: float | None = None
        self._reports = 0
        self._next_report = 0.0
        self._state = "connecting"
        self._closing = False
        self._back: list[Callable[[], None]] = []
        health.set(part, self._state)

    def when_back(self, hook: Callable[[], None]) -> None:
        """Call `hook` each time the server is reached again after a drop (not on the first
        connection): what a server restart loses, such as a JetStream consumer kept in
        memory, is made again there."""
        self._back.append(hook)

    @property
    def waiting(self) -> bool:
        """Not connected: connecting for the first time, or reconnecting."""
        return self._state != OK

    def failed(self, exc: BaseException) -> None:
        """An attempt failed: the first says so plainly, later ones now and then."""
        now = time.monotonic()
        if self._waiting_since is None:
            self._start_waiting(now)
            self._log.warning(
                "waiting for %s at %s: %s; retrying every %g s",
                self.what,
                self.url,
                describe(exc),
                RETRY_SECONDS,
            )
            return
        if now >= self._next_report:
            waited = now - self._waiting_since
            self._log.warning(
                "still waiting for %s at %s (%s): %s",
                self.what,
                self.url,
                duration(waited),
                describe(exc),
            )
            self._reports += 1
            self._schedule()

    def closing(self) -> None:
        """We close the connection ourselves: a drop from now on is no news."""
        self._closing = True

    def lost(self, reason: BaseException | None = None) -> None:
        """The connection dropped after it had worked: reconnecting, said once (with
        `reason` when the caller knows it)."""
        if self._closing:
            return
        self._state = "reconnecting"
        self._health.set(self.part, self._state)
        if self._waiting_since is None:
            why = f": {describe(reason)}" if reason is not None else ""
            self._log.warning("lost %s at %s%s; reconnecting", self.what, self.url, why)
            self._start_waiting(time.monotonic())

    def reached(self) -> None:
        """Connected (again)."""
        again = self._state == "reconnecting"
        self._state = OK
        self._health.set(self.part, OK)
        if self._waiting_since is not None:
            waited = time.monotonic() - self._waiting_since
            self._log.info("%s at %s reached after %s", self.what, self.url, duration(waited))
        self._waiting_since = None
        if again:
            for hook in self._back:
                hook()

    def _start_waiting(self, now: float) -> None:
        self._waiting_since = now
        self._reports = 0
        self._schedule()

    def _schedule(self) -> None:
        assert self._waiting_since is not None
        self._next_report = self._waiting_since + report_after(self._reports)


def report_after(reports: int) -> float:
    """How far into a wait (seconds) the next "still" line is due, `reports` lines after the
    first: 10 s, 30 s, 1 min, 2 min, 5 min, then every REPORT_EVERY."""
    if reports < len(REPORT_AFTER):
        return REPORT_AFTER[reports]
    return REPORT_AFTER[-1] + REPORT_EVERY * (reports - len(REPORT_AFTER) + 1)


class _DropLines(logging.Filter):
    def __init__(self, prefix: str) -> None:
        super().__init__()
        self.prefix = prefix

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(self.prefix)


def drop_lines(logger: logging.Logger, prefix: str) -> logging.Logger:
    """Drop `logger`'s records whose message starts with `prefix`: a library's news of a
    lost connection (with a traceback, per attempt) that a `Dependency` reports instead."""
    if not any(isinstance(f, _DropLines) and f.prefix == prefix for f in logger.filters):
        logger.addFilter(_DropLines(prefix))
    return logger


def describe(exc: BaseException) -> str:
    """A short reason for a failed connection attempt, without a traceback."""
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, socket.gaierror):
        return f"host not found ({exc.strerror})"
    if isinstance(exc, TimeoutError):
        return "no answer (timed out)"
    if isinstance(exc, nats_errors.NoServersError):
        return "no server could be reached"
    if isinstance(exc, nats_errors.Error):
        text = str(exc).removeprefix("nats: ").strip("'")
    elif isinstance(exc, OSError) and exc.strerror:
        text = exc.strerror
    elif isinstance(exc, asyncpg.PostgresError):
        text = str(exc)
    else:
        text = str(exc) or type(exc).__name__
    return mask_urls(text[:1].lower() + text[1:])


def duration(seconds: float) -> str:
    """A wait, for a log line: 12 s, 5 min, 1.5 h."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
