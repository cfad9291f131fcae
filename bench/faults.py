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
import shutil
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import nats
import yaml

from bench.cluster import NatsCluster
from bench.door import make_token
from bench.fault_cases import CLUSTER, SCENARIOS, Scenario
from bench.fault_checks import Outcome, verify, wait_settled
from bench.http_stream import HttpLeadStream
from bench.procs import PACKAGES, ROOT, NatsAs, Service, create_database, service_env
from bench.report import machine_line
from bench.restore_drill import DrillOutcome, drill
from bench.restore_drill import table as drill_table
from bench.scene import Scene
from bench.stream import SOURCE, LeadStream
from crm_shared.devstack import DevStack, free_port
from crm_shared.machinery.bus import DUPLICATE_WINDOW, EVERY_STREAM, ensure_streams

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


async def fresh_streams(nats_url: str, window: float | None, replicas: int = 1) -> None:
    """Delete the project's streams and create them again (with the scenario's window)."""
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream(timeout=10)
        for name in EVERY_STREAM:
            with contextlib.suppress(Exception):
                await js.delete_stream(name)
        duplicate_window = timedelta(seconds=window) if window is not None else DUPLICATE_WINDOW
        await ensure_streams(js, replicas=replicas, duplicate_window=duplicate_window)
    finally:
        await nc.close()


async def run_scenario(
    scenario: Scenario,
    *,
    nats_url: str,
    database_url: str,
    config_path: str,
    log_dir: Path,
    seconds: float,
    rate: float,
    stack: Any = None,
    migrate: bool = True,
    replicas: int = 1,
    client_url: str | None = None,
    nats_as: NatsAs | None = None,
) -> tuple[Outcome, list[str]]:
    """Services up (`replicas` of each), stream and fault, settle, verify, services down.

    The services are given `nats_url`, or each its own user's URL when `nats_as` is given
    (as `make run` does); the lead stream and the checks use `client_url` (default
    `nats_url`), so a fault may kill the node the services first connected to.
    """
    started = time.monotonic()
    client_url = client_url or nats_url
    env = service_env(nats_url, database_url, CRM_CONFIG=config_path, **FAST)
    env["CRM_STREAM_REPLICAS"] = "3" if replicas > 1 else "1"
    if scenario.window is not None:
        env["CRM_DUPLICATE_WINDOW_SECONDS"] = str(scenario.window)
    tag = "-" + "".join(c if c.isalnum() else "_" for c in scenario.name)
    names = [*PACKAGES, "gateway"] if scenario.via_gateway else list(PACKAGES)
    if scenario.via_gateway:  # the same port after every restart, as behind a proxy
        env["CRM_GATEWAY_PORT"] = str(free_port())
    services = {
        name + (f"-{r + 1}" if r else ""): Service(
            name, env, log_dir, tag=f"{tag}-{r + 1}", nats_as=nats_as
        )
        for name in names
        for r in range(replicas)
    }
    stream = LeadStream(client_url, prefix=f"f{int(started)}", rate=rate)
    scene = Scene(services, stream, seconds, stack=stack, window=scenario.window)
    try:
        if migrate:
            await asyncio.gather(*(asyncio.to_thread(services[n].migrate) for n in names))
        if scenario.via_gateway:
            token = await asyncio.to_thread(
                make_token, services["gateway"].env, SOURCE, "leads:write"
            )
            stream = scene.stream = HttpLeadStream(
                client_url, prefix=stream.prefix, rate=rate,
                port=int(env["CRM_GATEWAY_PORT"]), token=token,
            )  # fmt: skip
        for svc in services.values():
            svc.start()
        await asyncio.gather(*(svc.wait_healthy() for svc in services.values()))
        if scenario.prepare is not None:
            await scenario.prepare(scene)
        await stream.start()
        await asyncio.gather(
            stream.run(seconds, poison_every=scenario.poison_every, dup_every=scenario.dup_every),
            scenario.fault(scene),
        )
        await stream.close()
        elapsed = await wait_settled(client_url, database_url, started)
        outcome = await verify(scenario.name, stream, client_url, database_url)
        outcome.problems += scene.problems
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
    if not chosen and args.only and not any(k in CLUSTER.name for k in args.only):
        return outcomes  # only the restore drill, on servers of its own
    with DevStack("faults", data_dir=DATA / "servers", env={}, guarded=True) as stack:
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
                nats_as=stack.nats_url_as,
            )
            _progress(outcome, log)
            outcomes.append(outcome)
        if not args.only or any(k in CLUSTER.name for k in args.only):
            print(f"[cluster] {CLUSTER.name} ...", flush=True)
            outcomes.append(await run_cluster(args, stack.database_url, config))
    for name in ("servers", "cluster"):  # the logs stay
        shutil.rmtree(DATA / name, ignore_errors=True)
    return outcomes


async def run_drill(args: argparse.Namespace) -> DrillOutcome | None:
    """The restore drill (issue 26) on its own servers, which it destroys: when chosen."""
    if args.only and not any(k in "restore drill" for k in args.only):
        return None
    print("[restore drill] backup mid-stream, every process and data dir lost ...", flush=True)
    config = write_config(DATA / "drill" / "config.yaml", 3600)  # no overdue tasks here
    outcome = await drill(DATA / "drill", config, seconds=args.seconds, rate=args.rate / 2)
    for name in ("a", "b", "archive"):  # the logs stay
        shutil.rmtree(DATA / "drill" / name, ignore_errors=True)
    return outcome


async def run_cluster(args: argparse.Namespace, admin_url: str, config: str) -> Outcome:
    """Issue 6, item 3: three NATS nodes, R3 streams, two replicas of every service."""
    cluster = NatsCluster(DATA / "cluster")
    await asyncio.to_thread(cluster.start)
    try:
        db = await create_database(admin_url, "faults_cluster")
        await fresh_streams(cluster.url(1), None, replicas=3)
        outcome, log = await run_scenario(
            CLUSTER,
            nats_url=cluster.url(0),
            client_url=cluster.url(1),
            database_url=db,
            config_path=config,
            log_dir=DATA / "logs",
            seconds=args.seconds,
            rate=args.rate * 0.75,  # six service processes and three servers on this machine
            stack=cluster,
            replicas=2,
            nats_as=lambda user: cluster.url_as(0, user),
        )
    finally:
        cluster.stop()
    _progress(outcome, log)
    return outcome


def _progress(outcome: Outcome, log: list[str]) -> None:
    verdict = "ok" if outcome.ok else "FAIL: " + "; ".join(outcome.problems)
    print(f"    {'; '.join(log) or 'stream only'} -> {verdict} ({outcome.seconds:.0f}s)")


def main() -> int:
    """Run, print the table; exit 1 if any invariant broke."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each lead stream")
    parser.add_argument("--rate", type=float, default=40.0, help="leads per second")
    parser.add_argument("--deadline", type=int, default=5, help="stage deadline, seconds")
    parser.add_argument("--only", nargs="*", help="run the scenarios whose name contains this")
    args = parser.parse_args()
    outcomes = asyncio.run(run(args))
    restored = asyncio.run(run_drill(args))
    print()
    print(f"Machine: {machine_line()}")
    if outcomes:
        print(table(outcomes))
    if restored is not None:
        print()
        print(drill_table(restored))
    return 0 if all(o.ok for o in outcomes) and (restored is None or restored.ok) else 1


if __name__ == "__main__":
    sys.exit(main())
