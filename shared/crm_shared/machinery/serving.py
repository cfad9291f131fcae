"""The life of a service process: start, run until told to stop or a loop dies, stop in time.

SIGTERM and SIGINT end the process within the stop timeout (CRM_STOP_TIMEOUT_SECONDS, 5 s)
in every state: a start still waiting for a server is cancelled, a running service stops
taking messages and finishes or abandons what it holds (nothing unacked is lost), and a
watchdog thread ends the process should anything still hang after the timeout. The exit
status is 0 for a requested stop and 1 when a background loop died or the start failed, so
that a supervisor (`make run`'s launcher, a container's restart policy) starts it again.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable
from typing import Protocol

from crm_shared.machinery.runtime import Runtime

# How often a service started by the launcher checks that the launcher is still there.
PARENT_CHECK_SECONDS = 0.5


class Service(Protocol):
    """What a service's bootstrap object offers."""

    runtime: Runtime

    async def start(self) -> None: ...
    async def stop(self) -> None: ...


async def serve_forever(service: Service) -> int:
    """Start, run until SIGINT/SIGTERM (0) or a dead background loop (1), stop; exit status."""
    settings = service.runtime.settings
    limit = settings.stop_timeout
    # In the service's own name, as its «ready» line is: `make run` runs four side by side
    # on one terminal, and «SIGTERM received» four times under this module's name did not
    # say which one was stopping.
    log = logging.getLogger(service.runtime.name)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()

    def stop_requested(why: str) -> None:
        if not stop.is_set():
            log.info("%s; stopping (within %g s)", why, limit)
            _watchdog(log, limit, code=0)
            stop.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop_requested, f"{sig.name} received")
    parent_watch = None
    if settings.parent_pid is not None:
        parent_watch = asyncio.create_task(_watch_parent(settings.parent_pid, stop_requested))
    code = await _run(service, stop, log)
    if code:
        _watchdog(log, limit, code=code)
    try:
        # A margin inside the limit for closing the loop and the interpreter.
        await asyncio.wait_for(service.stop(), timeout=limit * 0.9)
    except TimeoutError:
        log.warning("stopping took longer than %g s; leaving the rest", limit * 0.9)
    except Exception:
        log.exception("stopping failed")
    if parent_watch is not None:
        parent_watch.cancel()
    return code


async def _run(service: Service, stop: asyncio.Event, log: logging.Logger) -> int:
    """Start, then wait for a stop or a failure; 0 when the stop was asked for."""
    stopped = asyncio.create_task(stop.wait())
    starting = asyncio.create_task(service.start())
    await asyncio.wait({starting, stopped}, return_when=asyncio.FIRST_COMPLETED)
    if not starting.done():  # still waiting for a server: give up the start
        starting.cancel()
        await asyncio.wait({starting}, timeout=1)
        return 0
    if starting.exception() is not None:
        stopped.cancel()
        log.error("start failed", exc_info=starting.exception())
        return 1
    _calm_the_collector()
    died = asyncio.create_task(service.runtime.failed())
    await asyncio.wait({died, stopped}, return_when=asyncio.FIRST_COMPLETED)
    if stop.is_set():
        died.cancel()
        return 0
    stopped.cancel()
    log.error("exiting with status 1 (%s)", died.result())
    return 1


async def _watch_parent(pid: int, stop_requested: Callable[[str], None]) -> None:
    """Stop once the process that started us is gone (we are re-parented)."""
    # Nothing to wait on: the kernel only re-parents us. Checked as a loop of sleeps.
    while True:
        await asyncio.sleep(PARENT_CHECK_SECONDS)
        if os.getppid() != pid:
            break
    stop_requested(f"parent process {pid} is gone")


def _watchdog(log: logging.Logger, limit: float, code: int) -> None:
    """End the process `limit` seconds from now if it is still there (a stop that hung)."""

    def expire() -> None:
        log.error("still running %g s after the stop began; exiting now", limit)
        with contextlib.suppress(Exception):
            sys.stderr.flush()
        os._exit(code)

    timer = threading.Timer(limit, expire)
    timer.daemon = True
    timer.start()


def _calm_the_collector() -> None:
    """Keep the garbage collector's pauses out of event latency.

    A full collection walks every tracked object, and a started service holds hundreds of
    thousands of them (FastStream, pydantic schemas, the configuration): measured at 50-170
    ms per gen-2 pass, often enough to set the p99 of lead-to-task latency. Everything that
    exists after start-up lives as long as the process, so it is frozen out of collections;
    the young generation is collected less often, as handlers allocate many short-lived
    objects (it is the cycles among them that the collector is for, and they stay few).
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 20, 20)
