"""Services as real processes: waiting for a server that is down, stopping in time, crashing.

SIGTERM must end a service within its stop timeout (5 s by default) with status 0 whatever
it is doing: waiting for NATS or PostgreSQL, or consuming. A loop that dies ends the process
with status 1 and a log line. Each test starts the services it needs as processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import asyncpg
import psutil
import pytest

from crm_shared.devstack import EmbeddedNats, free_port
from crm_shared.machinery.db import asyncpg_dsn
from crm_shared.machinery.redact import mask_url
from tests.conftest import ROOT, Infra
from tests.services import SERVICES, ServiceProcess, health, ready
from tests.support import Client, eventually

STOP_TIMEOUT = 5.0  # the services' default (CRM_STOP_TIMEOUT_SECONDS)
SLACK = 1.5  # the interpreter's own exit, on a busy machine
# The issue asks for "a minute with the bus down" without a traceback; the suite keeps its
# run short, so the services wait this long (past the first "still waiting" line at 10 s).
BUS_DOWN_WINDOW = 10.5


async def _stop_in_time(svc: ServiceProcess) -> float:
    """SIGTERM; returns how long the process took to exit (asserting status 0)."""
    assert svc.proc is not None
    svc.proc.terminate()
    began = time.monotonic()
    code = await svc.wait_exit(timeout=STOP_TIMEOUT + 10)
    took = time.monotonic() - began
    assert code == 0, f"{svc.name} exited with {code}:\n{svc.output}"
    return took


class _Down:
    """The three services, started with one server (`part`) unreachable."""

    def __init__(self, infra: Infra, tmp_path: Path, part: str, what: str) -> None:
        self.part, self.what = part, what
        closed = free_port()
        urls = SimpleNamespace(nats_url=infra.nats_url, database_url=infra.database_url)
        if part == "nats":
            urls.nats_url = f"nats://crm:s3cret@127.0.0.1:{closed}"
            self.shown = f"nats://crm:***@127.0.0.1:{closed}"
        else:
            urls.database_url = f"postgresql://crm:s3cret@127.0.0.1:{closed}/crm"
            self.shown = f"postgresql://crm:***@127.0.0.1:{closed}/crm"
        self.ports = {name: free_port() for name in SERVICES}
        self.procs = [
            ServiceProcess(
                name, urls, {"CRM_METRICS_PORT": str(port)}, log=tmp_path / f"{part}-{name}.log"
            )
            for name, port in self.ports.items()
        ]

    def all_waiting(self) -> bool:
        """Every one answers 503 saying it is connecting to the server that is down."""
        answers = [health(port) for port in self.ports.values()]
        return all(a and a[0] == 503 and a[1][self.part] == "connecting" for a in answers)

    def all_said(self) -> bool:
        """Every one is waiting and has said so in its log (/healthz says "connecting" from
        the start, before the first attempt has failed: stopped then, it has nothing to say,
        and check_logs failed once so)."""
        said = all(f"waiting for {self.what} at" in svc.output for svc in self.procs)
        return said and self.all_waiting()

    async def stop_each_in_time(self) -> None:
        for svc in self.procs:
            took = await _stop_in_time(svc)
            assert took <= STOP_TIMEOUT + SLACK, f"{svc.name} took {took:.1f} s to stop"

    def check_logs(self) -> None:
        line = f"waiting for {self.what} at {self.shown}: connection refused; retrying every 2 s"
        for svc in self.procs:
            log = svc.output
            assert log.count(f"WARNING waiting for {self.what} at") == 1 and line in log, log
            assert "Traceback" not in log, log
            assert "s3cret" not in log, log
            # Four side by side on `make run`'s terminal: each says which one stops.
            assert f"{svc.name} INFO SIGTERM received; stopping (within 5 s)" in log, log


@pytest.mark.slow
@pytest.mark.timeout(300)  # six processes start side by side: a minute and more on a busy machine
async def test_each_service_waits_for_a_server_that_is_down_and_stops_in_time(
    infra: Infra, tmp_path: Path
) -> None:
    """Bus down and database down, side by side (six processes, to keep the test short)."""
    bus_down = _Down(infra, tmp_path, "nats", "NATS")
    db_down = _Down(infra, tmp_path, "postgres", "PostgreSQL")
    everyone = bus_down.procs + db_down.procs
    try:
        for svc in everyone:
            svc.start()
        await eventually(lambda: asyncio.to_thread(bus_down.all_said), timeout=150)
        window_ends = time.monotonic() + BUS_DOWN_WINDOW
        await eventually(lambda: asyncio.to_thread(db_down.all_said), timeout=150)
        await db_down.stop_each_in_time()
        while time.monotonic() < window_ends:  # polled, and still waiting all along
            assert await asyncio.to_thread(bus_down.all_waiting)
            await asyncio.sleep(0.5)
        await bus_down.stop_each_in_time()
    finally:
        for svc in everyone:
            svc.stop()
    db_down.check_logs()
    bus_down.check_logs()
    for svc in bus_down.procs:
        still = f"still waiting for NATS at {bus_down.shown} (10 s): connection refused"
        assert still in svc.output, svc.output


async def _count(db: asyncpg.Connection, sql: str) -> int:
    return int(await db.fetchval(sql))


@pytest.mark.slow
async def test_sigterm_while_consuming_exits_0_and_loses_nothing(
    clean: Infra, client: Client, tmp_path: Path
) -> None:
    leads = 2000
    port = free_port()
    # Small batches: the stop lands between many of them, with one in hand.
    env = {"CRM_LEAD_BATCH_SIZE": "10", "CRM_METRICS_PORT": str(port)}
    first = ServiceProcess("deal-service", clean, env, log=tmp_path / "first.log")
    second = ServiceProcess("deal-service", clean, env, log=tmp_path / "second.log")
    db = await asyncpg.connect(asyncpg_dsn(clean.database_url))
    try:
        first.start()
        await eventually(lambda: asyncio.to_thread(ready, port), timeout=60, interval=0.2)

        async def publish_all() -> None:
            for start in range(0, leads, 100):
                await asyncio.gather(
                    *(client.publish_lead(external_id=f"L-{n}") for n in range(start, start + 100))
                )

        # Published while the service consumes, so that the stop lands mid-stream: published
        # first, 600 leads were all made before the stop on a fast run (a CI failure).
        publishing = asyncio.create_task(publish_all())

        async def under_way() -> bool:
            return await _count(db, "SELECT count(*) FROM deal.deals") >= 50

        await eventually(under_way, timeout=60, interval=0.01)
        took = await _stop_in_time(first)
        assert took <= STOP_TIMEOUT + SLACK
        at_stop = await _count(db, "SELECT count(*) FROM deal.deals")
        await publishing
        assert at_stop < leads, "deal-service finished before it could be stopped"
        # The relay published every event of what was committed before the process ended.
        assert await _count(db, "SELECT count(*) FROM deal.outbox") == 0
        assert "Traceback" not in first.output, first.output
        # Which service stops, in its own name as its «ready» line; and no FastStream line
        # per subscriber task ended («callback for Task-36 is being executed...»).
        said = "deal-service INFO SIGTERM received; stopping (within 5 s)"
        assert said in first.output, first.output
        assert "is being executed" not in first.output, first.output
        second.start()

        async def all_made() -> bool:
            return await _count(db, "SELECT count(*) FROM deal.deals") >= leads

        await eventually(all_made, timeout=90, interval=0.2)
        assert await _count(db, "SELECT count(DISTINCT external_id) FROM deal.deals") == leads
    finally:
        first.stop()
        second.stop()
        await db.close()


@pytest.mark.slow
async def test_a_consumer_loop_that_dies_ends_the_process_with_status_1(
    clean: Infra, tmp_path: Path
) -> None:
    log = tmp_path / "crashing.log"
    env = {
        "CRM_NATS_URL": clean.nats_url,
        "CRM_DATABASE_URL": clean.database_url,
        "CRM_METRICS_PORT": "0",
    }
    with log.open("wb") as out:
        proc = await asyncio.to_thread(
            subprocess.Popen,
            [sys.executable, "-m", "tests.crashing_deal_service"],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        code = await asyncio.to_thread(proc.wait, 60)
    finally:
        proc.kill()
    text = log.read_text()
    assert code == 1, text
    assert "consumer deal-service-leads stopped: RuntimeError('consumer loop made to crash" in text
    assert "exiting with status 1" in text


@pytest.mark.slow
def test_a_service_stops_when_the_parent_that_started_it_is_gone(tmp_path: Path) -> None:
    """The fallback for the parent-death signal: CRM_PARENT_PID names the launcher, and the
    service stops once it is re-parented (here no parent-death signal is set at all)."""
    log, closed = tmp_path / "service.log", free_port()
    script = f'CRM_PARENT_PID=$$ "{sys.executable}" -m deal_service > "{log}" 2>&1 & echo $!; wait'
    env = {
        **os.environ,
        "CRM_NATS_URL": f"nats://127.0.0.1:{closed}",
        "CRM_DATABASE_URL": f"postgresql://postgres@127.0.0.1:{closed}/crm",
        "CRM_METRICS_PORT": "0",
    }
    parent = subprocess.Popen(["sh", "-c", script], env=env, stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    service = psutil.Process(int(parent.stdout.readline()))
    try:
        deadline = time.monotonic() + 60
        while "waiting for" not in (log.read_text() if log.exists() else ""):
            assert time.monotonic() < deadline, "the service never started"
            time.sleep(0.1)
        parent.kill()
        parent.wait(10)
        service.wait(STOP_TIMEOUT + 5)  # psutil.TimeoutExpired if it outlives its parent
    finally:
        parent.kill()
        with contextlib.suppress(psutil.Error):
            service.kill()
    assert f"parent process {parent.pid} is gone; stopping" in log.read_text()


@pytest.mark.slow
async def test_sigterm_after_the_bus_went_away_while_running_exits_0_in_time(
    infra: Infra, tmp_path: Path
) -> None:
    """Running, then its NATS server stops (a server of this test's own): the service says
    it lost NATS, /healthz turns 503, and SIGTERM still ends it in time with status 0."""
    port = free_port()
    with EmbeddedNats(tmp_path / "nats") as nats_server:
        own = nats_server.url_as("deal-service")
        urls = SimpleNamespace(nats_url=own, database_url=infra.database_url)
        env = {"CRM_METRICS_PORT": str(port)}
        svc = ServiceProcess("deal-service", urls, env, log=tmp_path / "deal.log")
        try:
            svc.start()
            await eventually(lambda: asyncio.to_thread(ready, port), timeout=60, interval=0.2)
            nats_server.stop()

            def reconnecting() -> bool:
                answer = health(port)
                return answer is not None and answer[1].get("nats") == "reconnecting"

            await eventually(lambda: asyncio.to_thread(reconnecting), timeout=20, interval=0.2)
            took = await _stop_in_time(svc)
            assert took <= STOP_TIMEOUT + SLACK, f"took {took:.1f} s to stop"
        finally:
            svc.stop()
    assert f"lost NATS at {mask_url(own)}; reconnecting" in svc.output  # password masked
    assert nats_server.users.passwords["deal-service"] not in svc.output
    assert "Traceback" not in svc.output, svc.output


@pytest.mark.slow
def test_sigterm_while_the_service_is_still_importing_exits_0(tmp_path: Path) -> None:
    """The earliest state: the process has not finished its imports yet."""
    closed = free_port()
    env = {
        **os.environ,
        "CRM_NATS_URL": f"nats://127.0.0.1:{closed}",
        "CRM_DATABASE_URL": f"postgresql://postgres@127.0.0.1:{closed}/crm",
        "CRM_METRICS_PORT": "0",
    }
    for sig in (signal.SIGTERM, signal.SIGINT):
        proc = subprocess.Popen(
            [sys.executable, "-m", "notifier"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        time.sleep(0.4)  # Python is up (~0.05 s); importing the service takes seconds
        proc.send_signal(sig)
        out, _ = proc.communicate(timeout=STOP_TIMEOUT + 10)
        assert proc.returncode == 0, out
        assert "Traceback" not in out, out
