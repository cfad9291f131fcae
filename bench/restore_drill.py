"""The restore drill (issue 26): a backup taken mid-stream, everything destroyed, restored.

Leads flow into the four services on their own embedded servers; halfway, `crm backup`'s
own code takes an archive while they keep flowing; then every process is killed, the
servers stopped and their data dir deleted. The archive is restored into a fresh data dir
(`crm restore`'s code), the services started on it, and more leads sent. Then: every lead
acknowledged before the backup began is exactly one deal, every deal has exactly one task,
no task without its deal, the board and the bus answer, and the new leads became deals.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import nats

from bench.fault_checks import CONSUMERS
from bench.load import poll
from bench.procs import Service, service_env
from bench.stream import SOURCE, LeadStream
from crm_cli.backup import restore, take
from crm_shared.contracts.deal import ListDeals
from crm_shared.devstack import DevStack, free_port
from crm_shared.machinery.db import asyncpg_dsn

NAMES = ["deal-service", "task-service", "notifier", "gateway"]
FAST = {"CRM_ACK_WAIT_SECONDS": "3", "CRM_OVERDUE_MAX_SLEEP": "0.5"}


@dataclass
class DrillOutcome:
    """The drill's row: leads before the backup and after it, what was lost or doubled."""

    before: int = 0  # leads acknowledged before the backup began
    during: int = 0  # acknowledged after it began, before the disk was lost
    during_kept: int = 0  # of those, in the archive's lead stream (deals after the restore)
    after: int = 0  # sent to the restored system
    lost: int = 0
    duplicated: int = 0
    backup_bytes: int = 0
    backup_seconds: float = 0.0
    restore_seconds: float = 0.0
    problems: list[str] = field(default_factory=list)
    log: list[str] = field(default_factory=list)
    began: float = field(default_factory=time.monotonic)

    def say(self, line: str) -> None:
        """A step of the drill, kept for its report and printed as it happens."""
        line = f"{time.monotonic() - self.began:5.1f}s {line}"
        self.log.append(line)
        print(f"    {line}", flush=True)

    @property
    def ok(self) -> bool:
        """Every invariant holds."""
        return not self.problems


def table(outcome: DrillOutcome) -> str:
    """The drill's row (Markdown)."""
    result = "ok" if outcome.ok else "**FAIL**: " + "; ".join(outcome.problems)
    return "\n".join(
        [
            "| restore drill | leads before backup | after (lost by design) | after restore "
            "| lost | duplicated | backup | backup time | restore time | result |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
            f"| backup mid-stream, disk lost, restored | {outcome.before} "
            f"| {outcome.during} ({outcome.during_kept} kept) "
            f"| {outcome.after} | {outcome.lost} | {outcome.duplicated} "
            f"| {outcome.backup_bytes / 1024:.0f} KiB | {outcome.backup_seconds:.1f} s "
            f"| {outcome.restore_seconds:.1f} s | {result} |",
        ]
    )


def _services(
    stack: DevStack, config: str, logs: Path, tag: str, names: list[str]
) -> dict[str, Service]:
    env = service_env(stack.nats_url, stack.database_url, CRM_CONFIG=config, **FAST)
    env["CRM_GATEWAY_PORT"] = str(free_port())
    return {n: Service(n, env, logs, tag=tag, nats_as=stack.nats_url_as) for n in names}


async def _up(services: dict[str, Service], *, migrate: bool = True) -> None:
    """Migrate (as the launcher does at every start), start, wait until healthy."""
    if migrate:
        await asyncio.gather(*(asyncio.to_thread(s.migrate) for s in services.values()))
    for svc in services.values():
        svc.start()
    await asyncio.gather(*(s.wait_healthy() for s in services.values()))


async def drill(
    root: Path,
    config: str,
    *,
    seconds: float,
    rate: float,
    fast: bool = False,
    names: list[str] | None = None,
) -> DrillOutcome:
    """Run the drill under `root` (its data dirs, archive and logs); `fast`: the servers
    without fsync, and the restored services started without their (no-op) migrations, as
    the restore checked the heads (the short test). `names`: the services (default all)."""
    names = names or NAMES
    out = DrillOutcome()
    shutil.rmtree(root / "a", ignore_errors=True)
    shutil.rmtree(root / "b", ignore_errors=True)
    first = DevStack("drill-a", data_dir=root / "a", env={}, fast=fast).start()
    services = _services(first, config, root / "logs", "-a", names)
    stream = LeadStream(first.nats_url, prefix=f"r{int(time.time())}", rate=rate)
    try:
        await _up(services)
        out.say("services up; leads flowing")
        await stream.start()
        _, (taken, before) = await asyncio.gather(
            stream.run(seconds), _backup(first, root, seconds, stream)
        )
        await stream.close()
    finally:
        await stream.close()
        for svc in services.values():
            svc.kill()
        first.stop()
    out.before, out.during = len(before), len(stream.accepted - before)
    out.backup_bytes, out.backup_seconds = taken.size, taken.seconds
    shutil.rmtree(root / "a")
    out.say(f"backup {taken.size} bytes in {taken.seconds:.1f}s; servers and data gone")
    began = time.monotonic()
    second = DevStack("drill-b", data_dir=root / "b", env={}, fast=fast).start()
    services = _services(second, config, root / "logs", "-b", names)
    later = LeadStream(second.nats_url, prefix=f"{stream.prefix}-after", rate=rate)
    try:
        done = await restore.restore(
            taken.path, second.nats_url, second.database_url, overwrite=None, files_dir=root / "b"
        )
        out.say("archive restored; starting the services")
        await _up(services, migrate=not fast)
        out.restore_seconds = time.monotonic() - began
        out.say(f"restored in {out.restore_seconds:.1f}s: {done.streams}, cut {done.dropped}")
        await later.start()
        await later.run(min(seconds, 3.0))
        await later.close()
        out.after = len(later.accepted)
        out.say(f"{len(later.accepted)} new leads sent; waiting for the system to settle")
        await _settled(second, names)
        await _answers(second, services["gateway"], out)
        await _check(second.database_url, before, stream.accepted, later.accepted, out)
    finally:
        await later.close()
        for svc in services.values():
            svc.stop()
        second.stop()
    return out


async def _backup(
    stack: DevStack, root: Path, seconds: float, stream: LeadStream
) -> tuple[take.Taken, set[str]]:
    """Halfway through the stream: the leads acknowledged so far, then `crm backup`."""
    await asyncio.sleep(seconds / 2)
    before = set(stream.accepted)
    taken = await take.take(
        stack.nats_url, stack.database_url, root / "archive", data_dir=None, env={}
    )
    return taken, before


async def _settled(stack: DevStack, names: list[str], timeout: float = 120.0) -> None:
    """Until the running services' durable consumers are drained and their outboxes empty,
    twice in a row."""
    consumers = [(s, d) for s, d in CONSUMERS if any(d.startswith(n) for n in names)]
    outboxes = " + ".join(
        f"(SELECT count(*) FROM {schema}.outbox)"
        for name, schema in (("deal", "deal"), ("task", "task"), ("notifier", "notifier"))
        if any(n.startswith(name) for n in names)
    )
    nc = await nats.connect(stack.nats_url)
    conn = await asyncpg.connect(asyncpg_dsn(stack.database_url))
    js = nc.jetstream(timeout=10)
    quiet = 0

    async def calm() -> bool:
        nonlocal quiet
        busy = False
        for name, durable in consumers:
            info = await js.consumer_info(name, durable)
            busy = busy or bool(info.num_pending or info.num_ack_pending)
        busy = busy or bool(await conn.fetchval(f"SELECT {outboxes}"))
        quiet = 0 if busy else quiet + 1
        return quiet >= 2

    try:
        await poll(calm, timeout=timeout, interval=0.5)
    finally:
        await conn.close()
        await nc.close()


async def _answers(stack: DevStack, gateway: Service, out: DrillOutcome) -> None:
    """The board's page and a query over the bus."""
    port = gateway.env["CRM_GATEWAY_PORT"]
    try:
        with await asyncio.to_thread(urllib.request.urlopen, f"http://127.0.0.1:{port}/", None, 5):
            pass
    except OSError as exc:
        out.problems.append(f"the board does not answer ({exc})")
    nc = await nats.connect(stack.nats_url)
    try:
        query = ListDeals(actor_id="rop-1", limit=1)
        reply = await nc.request(query.SUBJECT, query.model_dump_json().encode(), timeout=10)
        if not json.loads(reply.data).get("ok"):
            out.problems.append(f"{ListDeals.SUBJECT} refused: {reply.data[:200]!r}")
    except Exception as exc:  # no responders, a timeout: the bus does not answer
        out.problems.append(f"{ListDeals.SUBJECT} not answered ({exc.__class__.__name__})")
    finally:
        await nc.close()


async def _check(
    url: str, before: set[str], sent: set[str], later: set[str], out: DrillOutcome
) -> None:
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        rows = await conn.fetch(
            """SELECT d.external_id, count(DISTINCT d.id) AS deals, count(t.id) AS tasks
               FROM deal.deals d LEFT JOIN task.tasks t ON t.deal_id = d.id
               WHERE d.source = $1 GROUP BY 1""",
            SOURCE,
        )
        orphans = await conn.fetchval(
            "SELECT count(*) FROM task.tasks t WHERE NOT EXISTS "
            "(SELECT 1 FROM deal.deals d WHERE d.id = t.deal_id)"
        )
    finally:
        await conn.close()
    deals = {r["external_id"]: int(r["deals"]) for r in rows}
    tasks = {r["external_id"]: int(r["tasks"]) for r in rows}
    missing = (before | later) - deals.keys()
    out.during_kept = len((sent - before) & deals.keys())
    out.lost = len(missing)
    out.duplicated = sum(n - 1 for n in deals.values()) + sum(
        n - 1 for n in tasks.values() if n > 1
    )
    without_task = [ext for ext, n in tasks.items() if n == 0]
    strangers = deals.keys() - sent - later
    for count, what in (
        (len(missing), "acknowledged leads without their deal"),
        (out.duplicated, "deals or tasks twice"),
        (len(without_task), "deals without their task"),
        (int(orphans), "tasks without their deal"),
        (len(strangers), "deals of leads never sent"),
    ):
        if count:
            out.problems.append(f"{count} {what}")
