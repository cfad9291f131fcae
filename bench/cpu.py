"""CPU per lead: the CPU seconds every process of the stack spent, divided by the leads.

A `Meter` names the processes (the services, nats-server, the postmaster); a `reading()`
is each one's user + system CPU so far, its children's included: PostgreSQL's backends
are the postmaster's children, those still running read directly (psutil), those that
have ended through the postmaster's own count of its waited-for children. The difference
of two readings over a phase, divided by the phase's leads, is the row per process.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import psutil

from bench.report import Report

Pids = Mapping[str, int | None]


def _tree_seconds(pid: int) -> float:
    """User + system CPU of `pid` and of every child it has, living or ended (and waited
    for); 0 for a process that is gone."""
    try:
        proc = psutil.Process(pid)
        with proc.oneshot():
            t = proc.cpu_times()
            total = t.user + t.system + t.children_user + t.children_system
        for child in proc.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                c = child.cpu_times()
                total += c.user + c.system
    except psutil.Error:
        return 0.0
    return total


@dataclass
class Meter:
    """The stack's processes by name, read again at every reading (a restarted service
    has a new pid). `pids` is called each time: it answers the current pids."""

    pids: Callable[[], Pids]

    def reading(self) -> dict[str, float]:
        """{process: CPU seconds so far}."""
        return {name: _tree_seconds(pid) for name, pid in self.pids().items() if pid}


@dataclass
class CpuPerLead:
    """CPU milliseconds per lead (or per deal) of each process over one phase."""

    load: str
    leads: int
    seconds: float
    per_process_ms: dict[str, float] = field(default_factory=dict)

    @property
    def total_ms(self) -> float:
        """Every process together."""
        return sum(self.per_process_ms.values())

    def line(self) -> str:
        """One line for the console: the total, then each process."""
        parts = ", ".join(f"{n} {ms:.2f}" for n, ms in self.per_process_ms.items())
        return f"{self.load}: {self.total_ms:.2f} ms CPU per lead ({parts})"


class Phase:
    """`with meter_phase(...) as phase:` around a load; `phase.result(leads)` afterwards."""

    def __init__(self, meter: Meter, load: str) -> None:
        self.meter, self.load = meter, load
        self.before: dict[str, float] = {}
        self.after: dict[str, float] = {}
        self.started = self.ended = 0.0

    def __enter__(self) -> Phase:
        self.started = time.monotonic()
        self.before = self.meter.reading()
        return self

    def __exit__(self, *exc: object) -> None:
        self.after = self.meter.reading()
        self.ended = time.monotonic()

    def result(self, leads: int) -> CpuPerLead:
        """The difference of the two readings per lead, in ms; a process that was not
        there at both readings is left out (it restarted or stopped)."""
        per = {
            name: (self.after[name] - self.before[name]) * 1000 / max(leads, 1)
            for name in self.before
            if name in self.after and self.after[name] >= self.before[name]
        }
        return CpuPerLead(self.load, leads, round(self.ended - self.started, 2), per)


def stack_pids(services: Mapping[str, Any], servers: Pids) -> Callable[[], Pids]:
    """The pids of running `services` (bench.procs.Service by name) and of the servers
    (nats-server, PostgreSQL's postmaster), read again at each call."""
    return lambda: {**{name: s.pid for name, s in services.items()}, **servers}


def add_row(report: Report, name: str, cpu: CpuPerLead, *, below: float | None = None) -> None:
    """A row of the table: every process together, each one in the note."""
    parts = ", ".join(f"{n} {ms:.2f}" for n, ms in cpu.per_process_ms.items())
    report.add(name, cpu.total_ms, "ms", below=below, note=parts)
    report.details.setdefault("cpu_per_lead", {})[name] = asdict(cpu)
