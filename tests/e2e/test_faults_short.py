"""The short version of `make faults`: two faults under a stream of a few hundred leads.

Same runner and the same checks as `make faults` (bench/faults.py), on the suite's servers:
the services run as processes, a lead stream runs for a few seconds while the fault
happens, and then every accepted lead must be exactly one deal with exactly one open task,
every overdue task exactly one notification, and the dead-letter stream only the poison.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from nats.errors import NoRespondersError

from bench.fault_cases import Scenario, nothing, sigkill
from bench.faults import run_scenario, table, write_config
from crm_shared.contracts.deal import ListDeals
from tests.services import nats_url_of
from tests.support import Client

# Under these tests' pytest-timeout budget (TIMEOUT): a scenario that overruns it would be
# abandoned mid-await, its `finally` never run, and its services (2 s deadlines, the same
# queue groups) left answering the next tests of this worker. Cancelled within ours, it
# stops them first. A gateway scenario takes about 70 s on an idle machine.
BUDGET_SECONDS = 240
TIMEOUT = pytest.mark.timeout(BUDGET_SECONDS + 60)
pytestmark = TIMEOUT


async def _run(scenario: Scenario, infra: Any, tmp_path: Path) -> None:
    ran = run_scenario(
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
    try:
        outcome, log = await asyncio.wait_for(ran, BUDGET_SECONDS)
    except TimeoutError:
        pytest.fail(f"{scenario.name}: over {BUDGET_SECONDS} s (its services are stopped)")
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


@pytest.mark.slow
async def test_a_scenario_over_its_budget_leaves_no_service_answering(
    clean: Any, client: Client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What leaked into the next tests of a worker once (a 2 s-deadline task-service)."""
    monkeypatch.setattr(sys.modules[__name__], "BUDGET_SECONDS", 5)
    scenario = Scenario("SIGKILL gateway x2", sigkill("gateway", 2), via_gateway=True)
    with pytest.raises(pytest.fail.Exception, match="over 5 s"):
        await _run(scenario, clean, tmp_path)
    body = ListDeals(actor_id="rop-1").model_dump(mode="json", by_alias=True)
    with pytest.raises(NoRespondersError):
        await client.nc.request(ListDeals.SUBJECT, json.dumps(body).encode(), timeout=5)
