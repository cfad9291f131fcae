"""`make faults`: one fault at a time under a steady lead stream, then the invariants checked.

Each scenario gets a fresh database and fresh streams on the same embedded servers, the
three services as processes with a configuration whose stage deadlines are seconds long (so
every task also becomes overdue and must be reported exactly once), a lead stream, and its
fault. Then the runner waits until nothing is pending and counts, from the databases and
the streams: deals per accepted lead, open tasks per deal, notifications per overdue task,
dead letters, and copies of events that got past JetStream's de-duplication.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import nats
import yaml

from bench.fault_cases import SCENARIOS, Scenario, Scene
from bench.fault_checks import Outcome, verify, wait_settled
from bench.procs import PACKAGES, ROOT, Service, create_database, service_env
from bench.report import machine_line
from bench.stream import LeadStream
from crm_shared.bus import DUPLICATE_WINDOW_ENV, STREAMS, ensure_streams
from crm_shared.devstack import DevStack

DATA = ROOT / ".crm-data" / "faults"
FAST = {
    "CRM_ACK_WAIT_SECONDS": "3",  # a killed consumer's batch comes back in 3 s, not 30
    "CRM_OVERDUE_MAX_SLEEP": "0.5",
}


def write_config(path: Path, deadline_seconds: int) -> str:
    """The shipped configuration with every stage deadline a few seconds long."""
    from importlib import resources

    text = resources.files("crm_shared").joinpath("default_config.yaml").read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    for stage in data["pipeline"]["stages"]:
        if "deadline" in stage:
            stage["deadline"] = deadline_seconds
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return str(path)


async def fresh_streams(nats_url: str, window: float | None) -> None:
    """Delete the project's streams and create them again (with the scenario's window)."""
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream(timeout=10)
        for name in STREAMS:
            with contextlib.suppress(Exception):
                await js.delete_stream(name)
        with _window_env(window):
            await ensure_streams(js)
    finally:
        await nc.close()


@contextlib.contextmanager
def _window_env(window: float | None) -> Any:
    old = os.environ.pop(DUPLICATE_WINDOW_ENV, None)
    if window is not None:
        os.environ[DUPLICATE_WINDOW_ENV] = str(window)
    try:
        yield
    finally:
        os.environ.pop(DUPLICATE_WINDOW_ENV, None)
        if old is not None:
            os.environ[DUPLICATE_WINDOW_ENV] = old


async def run_scenario(
    scenario: Scenario,
    *,
    nats_url: str,
    database_url: str,
    config_path: str,
    log_dir: Path,
    seconds: float,
    rate: float,
    stack: DevStack | None = None,
    migrate: bool = True,
) -> tuple[Outcome, list[str]]:
    """Services up, stream and fault, settle, verify, services down."""
    started = time.monotonic()
    env = service_env(nats_url, database_url, CRM_CONFIG=config_path, **FAST)
    if scenario.window is not None:
        env[DUPLICATE_WINDOW_ENV] = str(scenario.window)
    tag = "-" + "".join(c if c.isalnum() else "_" for c in scenario.name)
    services = {name: Service(name, env, log_dir, tag=tag) for name in PACKAGES}
    stream = LeadStream(nats_url, prefix=f"f{int(started)}", rate=rate)
    scene = Scene(services, stream, seconds, stack=stack, window=scenario.window)
    try:
        if migrate:
            await asyncio.gather(*(asyncio.to_thread(s.migrate) for s in services.values()))
        for svc in services.values():
            svc.start()
        await asyncio.gather(*(svc.wait_healthy() for svc in services.values()))
        await stream.start()
        await asyncio.gather(
            stream.run(seconds, poison_every=scenario.poison_every, dup_every=scenario.dup_every),
            scenario.fault(scene),
        )
        await stream.close()
        elapsed = await wait_settled(nats_url, database_url, started)
        outcome = await verify(scenario.name, stream, nats_url, database_url)
        outcome.seconds = elapsed
        if scenario.window is not None and not outcome.bus_copies:
            outcome.problems.append("no event was republished after the window: not exercised")
    finally:
        await stream.close()
        for svc in services.values():
            svc.stop()
    return outcome, scene.log


def table(outcomes: list[Outcome]) -> str:
    """The faults table (Markdown)."""
    lines = [
        "| fault | leads sent | deals | open tasks | notifications | duplicates | lost "
        "| dead letters | bus copies | result |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for o in outcomes:
        sent = f"{o.leads}" + (f" (+{o.copies_sent} copies)" if o.copies_sent else "")
        sent += f" (+{o.poison_sent} poison)" if o.poison_sent else ""
        result = "ok" if o.ok else "**FAIL**: " + "; ".join(o.problems)
        lines.append(
            f"| {o.fault} | {sent} | {o.deals} | {o.open_tasks} | {o.notifications} "
            f"| {o.duplicates} | {o.lost} | {o.dead_letters} | {o.bus_copies} | {result} |"
        )
    return "\n".join(lines)


async def run(args: argparse.Namespace) -> list[Outcome]:
    """Every scenario (or those named) on fresh embedded servers under .crm-data/faults."""
    shutil.rmtree(DATA, ignore_errors=True)
    config = write_config(DATA / "config.yaml", args.deadline)
    chosen = [s for s in SCENARIOS if not args.only or any(k in s.name for k in args.only)]
    outcomes: list[Outcome] = []
    with DevStack("faults", data_dir=DATA / "servers", env={}) as stack:
        for i, scenario in enumerate(chosen):
            print(f"[{i + 1}/{len(chosen)}] {scenario.name} ...", flush=True)
            db = await create_database(stack.database_url, f"faults_{i}")
            await fresh_streams(stack.nats_url, scenario.window)
            outcome, log = await run_scenario(
                scenario,
                nats_url=stack.nats_url,
                database_url=db,
                config_path=config,
                log_dir=DATA / "logs",
                seconds=args.seconds,
                rate=args.rate,
                stack=stack,
            )
            verdict = "ok" if outcome.ok else "FAIL: " + "; ".join(outcome.problems)
            print(f"    {'; '.join(log) or 'stream only'} -> {verdict} ({outcome.seconds:.0f}s)")
            outcomes.append(outcome)
    return outcomes


def main() -> int:
    """Run, print the table; exit 1 if any invariant broke."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each lead stream")
    parser.add_argument("--rate", type=float, default=40.0, help="leads per second")
    parser.add_argument("--deadline", type=int, default=5, help="stage deadline, seconds")
    parser.add_argument("--only", nargs="*", help="run the scenarios whose name contains this")
    args = parser.parse_args()
    outcomes = asyncio.run(run(args))
    print()
    print(f"Machine: {machine_line()}")
    print(table(outcomes))
    return 0 if all(o.ok for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
