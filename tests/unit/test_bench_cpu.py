"""bench/cpu.py: a process's CPU includes its children's, those running and those ended
(PostgreSQL's backends are the postmaster's children and come and go during a phase)."""

from __future__ import annotations

import subprocess
import sys
import time

import psutil

from bench.cpu import Meter, Phase

BURN = "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.3: pass\n"


def _waited_children_cpu(pid: int) -> float:
    times = psutil.Process(pid).cpu_times()
    return float(times.children_user + times.children_system)


def test_a_child_that_has_ended_still_counts_for_its_parent() -> None:
    # The parent (sh) waits for a child that burns 0.3 s of CPU, then sleeps: the child has
    # ended and been waited for when the second reading is taken.
    parent = subprocess.Popen(["sh", "-c", f'"{sys.executable}" -c "$BURN"; sleep 5'],
                              env={"BURN": BURN})  # fmt: skip
    try:
        meter = Meter(lambda: {"parent": parent.pid, "gone": None})
        with Phase(meter, "test") as phase:
            # Until the child has ended and been waited for (however long a loaded machine
            # takes to start and burn it): its CPU is then in the parent's children's times.
            # (Waiting on `children()` alone ended at once when sh had not started it yet.)
            deadline = time.monotonic() + 60
            while _waited_children_cpu(parent.pid) < 0.25 and time.monotonic() < deadline:
                time.sleep(0.05)
        result = phase.result(10)
    finally:
        parent.kill()
        parent.wait()
    assert set(result.per_process_ms) == {"parent"}
    # 0.3 s over 10 leads: 30 ms a lead, less what the first reading caught of it.
    assert result.per_process_ms["parent"] > 15
    assert result.total_ms == result.per_process_ms["parent"]
