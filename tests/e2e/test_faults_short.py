"""The short version of `make faults`: two faults under a stream of a few hundred leads.

Same runner and the same checks as `make faults` (bench/faults.py), on the suite's servers:
the services run as processes, a lead stream runs for a few seconds while the fault
happens, and then every accepted lead must be exactly one deal with exactly one open task,
every overdue task exactly one notification, and the dead-letter stream only the poison.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bench.fault_cases import Scenario, nothing, sigkill
from bench.faults import run_scenario, table, write_config
from tests.services import nats_url_of


async def _run(scenario: Scenario, infra: Any, tmp_path: Path) -> None:
    outcome, log = await run_scenario(
        scenario,
        nats_url=infra.nats_url,
        database_url=infra.database_url,
        config_path=write_config(tmp_path / "config.yaml", deadline_seconds=2),
        log_dir=tmp_path,
        seconds=6,
        rate=40,
        migrate=False,  # the suite's database is migrated once per session
        nats_as=lambda name: nats_url_of(infra, name),  # each service as its own user
    )
    assert outcome.ok, f"{log}\n{table([outcome])}"
    assert outcome.leads >= 200


@pytest.mark.slow
async def test_poison_and_duplicates_among_good_leads(clean: Any, tmp_path: Path) -> None:
    scenario = Scenario("poison and duplicates", nothing, poison_every=10, dup_every=4)
    await _run(scenario, clean, tmp_path)


@pytest.mark.slow
async def test_task_service_killed_twice_mid_stream(clean: Any, tmp_path: Path) -> None:
    await _run(Scenario("SIGKILL task-service x2", sigkill("task-service", 2)), clean, tmp_path)


@pytest.mark.slow
async def test_gateway_killed_under_intake_load_loses_no_acknowledged_lead(
    clean: Any, tmp_path: Path
) -> None:
    scenario = Scenario("SIGKILL gateway x2", sigkill("gateway", 2), via_gateway=True)
    await _run(scenario, clean, tmp_path)
