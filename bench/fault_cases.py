"""The faults themselves, each run under a steady stream of leads, one at a time.

A scenario gets the running services and the servers and does its damage while the lead
stream runs; the runner then waits for the system to settle and checks the invariants.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bench import relay_fault
from bench.poison import random_bodies
from bench.procs import Service
from bench.scene import Scene
from bench.storm import hostile_storm, storm_credentials
from tests.services import health

Fault = Callable[[Scene], Awaitable[None]]


@dataclass(frozen=True)
class Scenario:
    """A named fault and how the stream runs meanwhile."""

    name: str
    fault: Fault
    poison_every: int = 0
    dup_every: int = 0
    needs_servers: bool = False
    window: float | None = None
    via_gateway: bool = False  # the leads come over HTTP, through the gateway
    prepare: Fault | None = None  # before the stream starts (the services are up)


def _moments(count: int, seconds: float) -> list[float]:
    """Random moments inside the stream, away from its ends, at least a second apart."""
    while True:
        picks = sorted(random.uniform(1.5, max(2.0, seconds - 2.0)) for _ in range(count))
        if all(b - a >= 1.0 for a, b in itertools.pairwise(picks)):
            return picks


async def _at(start: float, offset: float) -> None:
    await asyncio.sleep(max(0.0, start + offset - time.monotonic()))


def sigkill(name: str, times: int) -> Fault:
    """SIGKILL a service `times` times at random moments; restart it at once each time."""

    async def fault(scene: Scene) -> None:
        start = time.monotonic()
        svc = scene.services[name]
        for moment in _moments(times, scene.seconds):
            await _at(start, moment)
            svc.kill()
            scene.log.append(f"killed {name} at {time.monotonic() - start:.1f}s")
            svc.start()
            await svc.wait_healthy()

    return fault


def restart(server: str, times: int) -> Fault:
    """Restart one of our servers `times` times mid-stream: nats-server (SIGTERM, same
    store) or PostgreSQL (fast shutdown, which cuts every connection)."""

    async def fault(scene: Scene) -> None:
        start = time.monotonic()
        target = scene.stack.nats if server == "nats" else scene.stack.postgres
        for moment in _moments(times, scene.seconds):
            await _at(start, moment)
            await asyncio.to_thread(target.restart)
            scene.log.append(f"{server} restarted at {time.monotonic() - start:.1f}s")

    return fault


async def nothing(scene: Scene) -> None:
    """The fault is in the stream itself (poison, duplicates)."""


async def relay_down(scene: Scene) -> None:
    """deal-service dies right after its relay published and before it deleted the rows;
    it stays down longer than the duplicate window, so its successor's republish is not
    dropped by JetStream and has to be caught by the consumers' inboxes."""
    assert scene.window is not None
    deal = scene.services["deal-service"]
    await asyncio.sleep(1.0)
    deal.stop()
    deal.start(argv=relay_fault.argv("crash_after_publish", deal.package))
    await deal.wait_exit(timeout=60)
    scene.log.append(f"relay killed after publish; down for {scene.window + 4:.0f}s")
    await asyncio.sleep(scene.window + 4)
    deal.start()
    await deal.wait_healthy()


def poison_flood(count: int) -> Fault:
    """`count` random poison bodies spread over the stream (issue 10); meanwhile no service
    may exit or turn unhealthy (the runner counts the leads and the dead letters)."""

    async def fault(scene: Scene) -> None:
        pids = {name: svc.pid for name, svc in scene.services.items()}
        start = time.monotonic()
        for i, body in enumerate(random_bodies(count)):
            await _at(start, 0.5 + i * max(1.0, scene.seconds - 1.5) / count)
            scene.stream.send_poison(f"flood-{i}", body)
        scene.log.append(f"{count} random poison bodies sent")
        for name, svc in scene.services.items():
            if svc.pid != pids[name] or not svc.healthy():
                scene.problems.append(f"{name} restarted or unhealthy during the flood")

    return fault


async def kill_nats_node(scene: Scene) -> None:
    """SIGKILL the cluster node the services connected to, mid-stream; start it again 8 s
    later (meanwhile the other two carry the R3 streams and the clients fail over)."""
    await _at(time.monotonic(), random.uniform(3.0, scene.seconds / 2))
    scene.stack.kill(0)
    scene.log.append("NATS node n0 killed")
    await asyncio.sleep(8)
    await asyncio.to_thread(scene.stack.restart, 0)
    scene.log.append("n0 back")


# Issue 17: what a service may log in a minute with a server down (the server lost, "still
# waiting" at 10 s, 30 s and 1 min, reached; each loop and consumer failing and working
# again). Before, a minute without PostgreSQL cost about 200 lines and many tracebacks.
OUTAGE_MAX_LINES = 25


def server_down(server: str, seconds: float) -> Fault:
    """Stop one of our servers mid-stream for `seconds`, then start it again (issue 17).

    Meanwhile every service answers /healthz 503 naming the server (after a few seconds to
    notice); its log gains no traceback and at most OUTAGE_MAX_LINES lines, counted from the
    stop until it has worked again for a while, and reported. The runner then counts the
    leads as after any fault: every one accepted meanwhile is a deal, nothing dead-lettered."""
    part = "nats" if server == "nats" else "postgres"

    async def fault(scene: Scene) -> None:
        target = scene.stack.nats if server == "nats" else scene.stack.postgres
        services = scene.services
        await asyncio.sleep(random.uniform(2.0, max(2.5, scene.seconds / 4)))
        marks = {name: len(_log(svc)) for name, svc in services.items()}
        await asyncio.to_thread(target.stop)
        stopped = time.monotonic()
        unsaid: set[str] = set()
        while time.monotonic() < stopped + seconds:
            await asyncio.sleep(1.0)
            for name, svc in services.items():
                answer = await asyncio.to_thread(health, svc.metrics_port)
                waits = answer is not None and answer[0] == 503 and answer[1].get(part) != "ok"
                if not waits and time.monotonic() > stopped + 5:
                    unsaid.add(name)
        await asyncio.to_thread(target.start)
        await asyncio.gather(*(svc.wait_healthy() for svc in services.values()))
        await asyncio.sleep(6.0)  # the loops' back-off (5 s at most) ends: "working again"
        logs = {name: _log(svc)[marks[name] :] for name, svc in services.items()}
        for name, said in logs.items():
            if any("Traceback" in line for line in said):
                scene.problems.append(f"{name} logged a traceback while {server} was down")
            if len(said) > OUTAGE_MAX_LINES:
                scene.problems.append(f"{name} logged {len(said)} lines while {server} was down")
        for name in sorted(unsaid):
            scene.problems.append(f"{name}'s /healthz did not answer 503 {part} meanwhile")
        lines = ", ".join(f"{name} {len(said)}" for name, said in logs.items())
        scene.log.append(f"{server} down {seconds:.0f}s; log lines meanwhile: {lines}")

    return fault


def _log(svc: Service) -> list[str]:
    return svc.log_path.read_text(errors="replace").splitlines()


CLUSTER = Scenario(
    "3-node NATS cluster (R3, sync always), 2 replicas each, node killed", kill_nats_node
)

SCENARIOS = [
    Scenario("SIGKILL deal-service x3", sigkill("deal-service", 3)),
    Scenario("SIGKILL task-service x3", sigkill("task-service", 3)),
    Scenario("SIGKILL notifier x3", sigkill("notifier", 3)),
    Scenario("nats-server restarted x2", restart("nats", 2), needs_servers=True),
    Scenario("Postgres restarted x2", restart("postgres", 2), needs_servers=True),
    Scenario("poison among good leads", nothing, poison_every=10),
    Scenario("poison flood", poison_flood(1000)),
    Scenario("duplicates with new message ids", nothing, dup_every=4),
    Scenario("relay down > duplicate window", relay_down, window=6.0),
    Scenario("gateway killed under intake load x3", sigkill("gateway", 3), via_gateway=True),
    Scenario(
        "nats-server restarted under HTTP intake x2",
        restart("nats", 2),
        needs_servers=True,
        via_gateway=True,
    ),
    Scenario(
        "hostile HTTP storm at every route",
        hostile_storm,
        via_gateway=True,
        prepare=storm_credentials,
    ),
    Scenario("nats-server down 60 s", server_down("nats", 60), needs_servers=True),
    Scenario("Postgres down 60 s", server_down("postgres", 60), needs_servers=True),
]
