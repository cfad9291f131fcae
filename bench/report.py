"""The benchmark's one table: rows of figure, value, target, verdict; printed and as JSON."""

from __future__ import annotations

import json
import math
import os
import platform
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


@dataclass
class Row:
    """One measured figure; `passed` is None when there is no target."""

    name: str
    value: float | None
    unit: str
    target: str = ""
    passed: bool | None = None
    note: str = ""

    def shown(self) -> str:
        """The value as printed."""
        if self.value is None or (isinstance(self.value, float) and math.isnan(self.value)):
            return self.note or "n/a"
        digits = 0 if abs(self.value) >= 100 else 1 if abs(self.value) >= 1 else 2
        return f"{self.value:,.{digits}f} {self.unit}".strip()


@dataclass
class Report:
    """Everything one run measured, with the machine it ran on."""

    rows: list[Row] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    def add(
        self,
        name: str,
        value: float | None,
        unit: str,
        *,
        at_least: float | None = None,
        below: float | None = None,
        note: str = "",
    ) -> None:
        """Record a figure; `at_least` / `below` make it a target with a pass or fail."""
        target, passed = "", None
        ok_value = value is not None and not math.isnan(value)
        if at_least is not None:
            target = f">= {_number(at_least)} {unit}".strip()
            passed = ok_value and value is not None and value >= at_least
        elif below is not None:
            target = f"< {_number(below)} {unit}".strip()
            passed = ok_value and value is not None and value < below
        self.rows.append(Row(name, value, unit, target, passed, note))

    def table(self) -> str:
        """The table as Markdown (readable in a terminal and pasteable into the README)."""
        lines = [
            "| figure | value | target | |",
            "|---|---:|---|---|",
        ]
        for r in self.rows:
            verdict = "" if r.passed is None else ("pass" if r.passed else "**FAIL**")
            note = f" ({r.note})" if r.note and r.value is not None else ""
            lines.append(f"| {r.name}{note} | {r.shown()} | {r.target} | {verdict} |")
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        """The same table as data, plus the raw details and the machine."""
        return {
            "when": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": machine(),
            "rows": [asdict(r) for r in self.rows],
            "details": self.details,
        }

    def write(self, path: Path) -> None:
        """Save the JSON next to the printed table."""
        path.write_text(json.dumps(self.to_json(), indent=2, ensure_ascii=False, default=str))


def _number(x: float) -> str:
    """A target as written: 1,500 or 0.5."""
    return f"{x:,.0f}" if x == int(x) else f"{x:,}"


def machine() -> dict[str, Any]:
    """nproc, CPU model and RAM, from /proc (Linux)."""
    model = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram_gib = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram_gib = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "ram_gib": ram_gib,
        "python": platform.python_version(),
        "kernel": platform.release(),
    }


def machine_line() -> str:
    """One line describing the machine, for the printout and the README."""
    m = machine()
    return f"{m['nproc']} CPUs ({m['cpu']}), {m['ram_gib']} GiB RAM, Python {m['python']}"
