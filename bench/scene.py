"""What a fault of `make faults` may touch (`Scene`): written apart so that the faults
(bench/fault_cases.py) and the hostile callers among them (bench/storm.py) both import it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bench.procs import Service
from bench.stream import LeadStream


@dataclass
class Scene:
    """What a fault may touch: the services, the servers (if ours), the lead stream."""

    services: dict[str, Service]
    stream: LeadStream
    seconds: float
    stack: Any = None  # a DevStack when the servers are ours to restart
    window: float | None = None  # the streams' duplicate window, when shortened
    log: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # what the fault itself saw go wrong
    kept: dict[str, Any] = field(default_factory=dict)  # what `prepare` made for the fault
