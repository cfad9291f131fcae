"""`python -m bench.relay_fault FAULT PACKAGE [ARGS]`: a service whose outbox relay kills
its own process at FAULT, for the crash tests and `make faults`.

The fault hook lives here, with the fault harness, not in the relay: before the service's
own entry point runs, the relay's publish and ack steps are wrapped so that the process
dies with SIGKILL

- `crash_before_publish`: after the commit, before the events are published;
- `crash_after_publish`: after the publishes were acknowledged, before the rows are deleted;

to prove that no event is lost or duplicated on the bus.
"""

from __future__ import annotations

import asyncio
import os
import runpy
import signal
import sys
from typing import Any

from crm_shared.machinery.relay import OutboxRelay

FAULTS = ("crash_before_publish", "crash_after_publish")


def argv(fault: str, package: str) -> list[str]:
    """The arguments after `python` that run `package` with `fault` installed."""
    assert fault in FAULTS, fault
    return ["-m", "bench.relay_fault", fault, package]


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def install(fault: str) -> None:
    """Make every OutboxRelay of this process die at `fault`."""
    assert fault in FAULTS, fault
    send, acks = OutboxRelay._send, OutboxRelay._acks

    def _send(self: OutboxRelay, events: list[tuple[str, str, bytes]]) -> list[Any]:
        if fault == "crash_before_publish":
            _die()
        return send(self, events)

    async def _acks(self: OutboxRelay, sends: list[asyncio.Future[Any]]) -> list[Any]:
        results = await acks(self, sends)
        if fault == "crash_after_publish":
            _die()
        return results

    OutboxRelay._send = _send  # type: ignore[method-assign]  # the fault harness patches
    OutboxRelay._acks = _acks  # type: ignore[method-assign]


if __name__ == "__main__":
    fault, package, *rest = sys.argv[1:]
    install(fault)
    sys.argv = [sys.argv[0], *rest]
    runpy.run_module(package, run_name="__main__", alter_sys=True)
