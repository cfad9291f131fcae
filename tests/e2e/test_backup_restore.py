"""Issue 26: a backup taken while leads flow, the disk lost, the archive restored.

The short version of `make faults`'s restore drill (bench/restore_drill.py), on its own
embedded servers (the drill destroys them): a few leads a second, a backup mid-stream, every
process killed and the data dir deleted, the archive restored into a fresh data dir, the
services started on it, more leads. Every lead acknowledged before the backup is one deal
with one task, nothing twice, the board and the bus answer, the new leads became deals.
"""

from __future__ import annotations

import os
import shutil

import pytest

from bench.faults import write_config
from bench.procs import ROOT
from bench.restore_drill import drill, table

# The notifier is left out here (make faults runs it too): what is checked is deals and tasks.
NAMES = ["deal-service", "task-service", "gateway"]


@pytest.mark.slow
@pytest.mark.timeout(300)  # about 40 s on an idle machine: two sets of servers and services
async def test_a_backup_taken_mid_stream_restores_every_acknowledged_lead() -> None:
    # Under the repository, as the suite's servers are: the server user can reach it.
    root = ROOT / ".crm-data" / f"drill-{os.getpid()}"
    config = write_config(root / "config.yaml", deadline_seconds=3600)
    try:
        outcome = await drill(root, config, seconds=4, rate=10, fast=True, names=NAMES)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    assert outcome.ok, f"{outcome.log}\n{table(outcome)}"
    assert outcome.before >= 5
    assert outcome.after >= 5
