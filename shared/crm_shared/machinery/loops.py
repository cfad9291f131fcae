"""Periodic: the one background loop of the services (relay, timers, workers, refreshers).

Each round runs a step; the step says how long to sleep before the next one (None: the
loop's `interval`; 0: go again at once, e.g. to drain a backlog). `wake()` cuts a sleep
short (new work was committed); `stop()` ends the loop after the step in hand, cutting a
sleep or a back-off short, so a service stops within its bound (`Runtime.stop`). A step
that raises is tried again after a back-off that doubles up to `max_backoff`; a round that
succeeds resets it. A run of failures (the database down for a minute) is said in a line
when it begins and one when the loop works again (`Streak`), not in a line per round. With
`retry_on` only those errors are retried; any other ends the loop (and so the service:
`Runtime.watch` reports it). A step that wants other handling (a gauge that just waits for
its next turn) catches its own errors.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

from crm_shared.machinery.faults import is_transient
from crm_shared.machinery.health import duration, report_after

log = logging.getLogger(__name__)


class Streak:
    """A run of failures of one loop: said once when it begins and once when it ends.

    While it lasts, a "still failing" line comes at growing intervals (10 s, 30 s, 1 min, …
    in: `health.report_after`), except for a transient fault (`faults.is_transient`: the
    database or the bus is down), which the server's `Dependency` already reports so.
    """

    def __init__(self, name: str, logger: logging.Logger = log) -> None:
        self.name = name
        self._log = logger
        self._since: float | None = None
        self._failures = 0
        self._reports = 0
        self._next_report = 0.0

    @property
    def failing(self) -> bool:
        """The last attempt failed."""
        return self._since is not None

    def failed(self, exc: BaseException, retry: str) -> None:
        """An attempt failed; `retry` says what happens next ("retrying in up to 5 s")."""
        now = time.monotonic()
        self._failures += 1
        if self._since is None:
            self._since = now
            self._next_report = now + report_after(0)
            self._log.warning("%s failed: %r; %s", self.name, exc, retry)
        elif now >= self._next_report and not _transient(exc):
            waited = now - self._since
            self._log.warning("%s still failing (%s): %r", self.name, duration(waited), exc)
            self._reports += 1
            self._next_report = self._since + report_after(self._reports)
        else:
            self._log.debug("%s failed again: %r", self.name, exc)

    def succeeded(self) -> None:
        """An attempt worked: the end of a run of failures is said, once."""
        if self._since is not None:
            waited = duration(time.monotonic() - self._since)
            self._log.info(
                "%s working again after %s (%d failures)", self.name, waited, self._failures
            )
        self._since = None
        self._failures = self._reports = 0


def _transient(exc: BaseException) -> bool:
    """The fault, or the one that caused it, is transient (`faults.is_transient`)."""
    return is_transient(exc) or (exc.__cause__ is not None and is_transient(exc.__cause__))


class Periodic:
    """Runs `step` until stopped: sleeps between rounds, can be woken, backs off on errors."""

    def __init__(
        self,
        name: str,
        step: Callable[[], Awaitable[float | None]],
        *,
        interval: float = 1.0,
        start_after: float = 0.0,
        backoff: float = 0.1,
        max_backoff: float = 5.0,
        on_error: Callable[[Exception], None] | None = None,
        drain: Callable[[], bool] | None = None,
        retry_on: tuple[type[Exception], ...] = (Exception,),
    ) -> None:
        """`start_after`: sleep before the first round; `on_error`: called with each
        failure (e.g. to count it); `drain`: after `stop()`, keep running rounds (without
        sleeping) while it says there is work in hand."""
        self.name = name
        self._step = step
        self._interval = interval
        self._start_after = start_after
        self._backoff = backoff
        self._max_backoff = max_backoff
        self._on_error = on_error
        self._drain = drain
        self._retry_on = retry_on
        self._wake = asyncio.Event()
        self._stop = asyncio.Event()
        self._streak = Streak(name)

    @property
    def stopping(self) -> bool:
        """`stop()` was called."""
        return self._stop.is_set()

    def wake(self) -> None:
        """Run the next round now (a sleep in progress ends; a back-off does not)."""
        self._wake.set()

    def stop(self) -> None:
        """Finish the round in hand (and what `drain` says is left) and return from `run`."""
        self._stop.set()
        self._wake.set()

    async def run(self) -> None:
        """Run rounds until stopped."""
        if self._start_after > 0:
            await self._sleep(self._wake, self._start_after)
        backoff = self._backoff
        while not self.stopping or (self._drain is not None and self._drain()):
            # Cleared before the step: a wake that comes after this point is seen by the
            # step or makes the next sleep end at once.
            self._wake.clear()
            try:
                delay = await self._step()
            except self._retry_on as exc:
                self._streak.failed(exc, f"retrying, backing off up to {self._max_backoff:g} s")
                if self._on_error is not None:
                    self._on_error(exc)
                if self.stopping:
                    await asyncio.sleep(backoff)  # draining: nothing will cut it short
                else:
                    await self._sleep(self._stop, backoff)
                backoff = min(backoff * 2, self._max_backoff)
                continue
            self._streak.succeeded()
            backoff = self._backoff
            delay = self._interval if delay is None else delay
            if delay > 0 and not self.stopping:
                await self._sleep(self._wake, delay)

    @staticmethod
    async def _sleep(event: asyncio.Event, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), timeout=seconds)
