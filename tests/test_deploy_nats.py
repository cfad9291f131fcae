"""deploy/nats on a real nats-server: per-service permissions, and the three-node R3 cluster.

The configurations are the shipped files, copied to a temporary folder with only their
ports replaced by free ones (so a developer's own NATS on 4222 or a parallel run never
collides); the users, permissions and JetStream settings are exactly what we ship.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import subprocess
import urllib.request
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import nats
import pytest
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext

from crm_shared.bus import STREAMS, ensure_streams
from crm_shared.devstack import free_port, nats_server_binary
from tests.services import running
from tests.support import Client, eventually

NATS_DIR = Path(__file__).resolve().parent.parent / "deploy" / "nats"
USERS = ["deal-service", "task-service", "notifier", "lead-source", "crm-cli", "crm-admin", "sys"]
PASSWORDS = {u: f"pw-{u}" for u in USERS}
ADDRESS = re.compile(r"\b(?:127\.0\.0\.1|0\.0\.0\.0):(\d+)")


def _password_env() -> dict[str, str]:
    """NATS_<USER>_PASSWORD, as accounts.conf reads them."""
    return {f"NATS_{u.upper().replace('-', '_')}_PASSWORD": pw for u, pw in PASSWORDS.items()}


def _binary() -> Path:
    try:
        return nats_server_binary()
    except RuntimeError as exc:
        pytest.skip(str(exc))


def _copy_configs(tmp: Path, names: list[str]) -> dict[int, int]:
    """Copy `names` and accounts.conf to `tmp`, every listen port moved to a free one."""
    shutil.copy(NATS_DIR / "accounts.conf", tmp / "accounts.conf")
    texts = {n: (NATS_DIR / n).read_text() for n in names}
    ports = {int(p) for text in texts.values() for p in ADDRESS.findall(text)}
    moved: dict[int, int] = {}
    for port in sorted(ports):
        while (new := free_port()) in moved.values():  # the OS may hand out a port twice
            pass
        moved[port] = new
    for name, text in texts.items():
        text = ADDRESS.sub(lambda m: f"127.0.0.1:{moved[int(m.group(1))]}", text)
        (tmp / name).write_text(text)
    return moved


def _monitor_port(conf: Path) -> int:
    match = re.search(r"^http: 127\.0\.0\.1:(\d+)", conf.read_text(), re.MULTILINE)
    assert match, conf
    return int(match.group(1))


def _healthy(port: int) -> bool:
    """/healthz answers 200 once the node's JetStream is ready (in a cluster: has a leader)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as resp:
            return bool(resp.status == 200)
    except OSError:
        return False


@contextlib.contextmanager
def _servers(tmp: Path, names: list[str]) -> Iterator[None]:
    """Run one nats-server per config in `tmp` (its cwd, so stores land in tmp/data)."""
    env = {**os.environ, **_password_env()}
    procs = [
        subprocess.Popen(
            [str(_binary()), "-c", str(tmp / n)],
            cwd=tmp,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=(tmp / f"{n}.log").open("wb"),
        )
        for n in names
    ]
    try:
        yield
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


async def _wait_healthy(tmp: Path, names: list[str], timeout: float = 30) -> None:
    for name in names:
        port = _monitor_port(tmp / name)
        await eventually(lambda p=port: asyncio.to_thread(_healthy, p), timeout=timeout)


class _Errors:
    """What the server told a client asynchronously (permission violations arrive this way)."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    async def cb(self, exc: Exception) -> None:
        self.seen.append(str(exc))

    def violation(self, kind: str, subject: str) -> bool:
        want = f'permissions violation for {kind} to "{subject}"'.lower()
        return any(want in e.lower() for e in self.seen)


async def _connect(url: str, user: str, errors: _Errors | None = None) -> NatsClient:
    extra: dict[str, Any] = {"error_cb": errors.cb} if errors else {}
    if user in ("lead-source", "crm-cli"):  # their replies come only to their own prefix
        extra["inbox_prefix"] = f"_INBOX.{user}"
    return await nats.connect(
        url, user=user, password=PASSWORDS[user], allow_reconnect=False, **extra
    )


@dataclass
class _Single:
    url: str
    log: Path

    def violations(self) -> list[str]:
        """The server's log lines about refused publishes and subscriptions."""
        return [line for line in self.log.read_text().splitlines() if "Violation" in line]


@pytest.fixture
async def single(tmp_path: Path) -> AsyncIterator[_Single]:
    """deploy/nats/single.conf running, its streams created by crm-admin."""
    moved = _copy_configs(tmp_path, ["single.conf"])
    with _servers(tmp_path, ["single.conf"]):
        await _wait_healthy(tmp_path, ["single.conf"])
        url = f"nats://127.0.0.1:{moved[4222]}"
        admin = await _connect(url, "crm-admin")
        await ensure_streams(admin.jetstream())
        await admin.close()
        yield _Single(url, tmp_path / "single.conf.log")


async def test_a_forbidden_publish_and_subscribe_are_refused_by_the_server(
    single: _Single,
) -> None:
    url = single.url
    admin = await _connect(url, "crm-admin")
    ajs = admin.jetstream()
    deal_events = await admin.subscribe("crm.deal.>")
    leads, lead_errors = None, _Errors()
    try:
        # The lead source's own subject works, with its JetStream acknowledgement.
        leads = await _connect(url, "lead-source", lead_errors)
        ack = await leads.jetstream().publish("crm.lead.received", b'{"source": "site"}')
        assert ack.stream == "CRM_LEADS"

        # Forging a service's event is refused: reported to the client, never delivered,
        # never stored, and the connection stays usable.
        await leads.publish("crm.deal.created", b'{"forged": true}')
        await leads.flush()
        await eventually(lambda: lead_errors.violation("publish", "crm.deal.created"))
        with pytest.raises(nats.errors.TimeoutError):
            await deal_events.next_msg(timeout=0.5)
        assert (await ajs.stream_info("CRM_EVENTS")).state.messages == 0
        assert leads.is_connected
        await leads.subscribe("crm.deal.>")  # reading the events is not its business either
        await eventually(lambda: lead_errors.violation("subscription", "crm.deal.>"))
        await leads.subscribe("_INBOX.>")  # nor other clients' replies
        await eventually(lambda: lead_errors.violation("subscription", "_INBOX.>"))

        # A service cannot take another service's commands...
        notifier_errors = _Errors()
        notifier = await _connect(url, "notifier", notifier_errors)
        stolen = await notifier.subscribe("crm.cmd.deal.move")
        await notifier.flush()
        await eventually(lambda: notifier_errors.violation("subscription", "crm.cmd.deal.move"))
        await admin.publish("crm.cmd.deal.move", b"{}")
        await admin.flush()
        with pytest.raises(nats.errors.TimeoutError):
            await stolen.next_msg(timeout=0.5)
        # ... nor read the replies meant for other clients: only its own inboxes.
        await notifier.subscribe("_INBOX.>")
        await eventually(lambda: notifier_errors.violation("subscription", "_INBOX.>"))
        await notifier.close()

        # ... nor publish events in another's name (task-service may not claim an overdue).
        task_errors = _Errors()
        tasks = await _connect(url, "task-service", task_errors)
        await tasks.publish("crm.task.overdue", b"{}")
        await tasks.publish("crm.deal.updated", b"{}")
        await tasks.flush()
        await eventually(lambda: task_errors.violation("publish", "crm.task.overdue"))
        await eventually(lambda: task_errors.violation("publish", "crm.deal.updated"))
        await tasks.close()

        # The people's client sends commands, but no events in a service's name.
        cli_errors = _Errors()
        cli = await _connect(url, "crm-cli", cli_errors)
        await cli.publish("crm.task.closed", b"{}")
        await cli.flush()
        await eventually(lambda: cli_errors.violation("publish", "crm.task.closed"))
        await cli.subscribe("_INBOX.>")
        await eventually(lambda: cli_errors.violation("subscription", "_INBOX.>"))
        await cli.close()

        # No credentials, no connection.
        with pytest.raises(nats.errors.Error, match="Authorization Violation"):
            await nats.connect(url, allow_reconnect=False, max_reconnect_attempts=0)
    finally:
        if leads is not None:
            await leads.close()
        await admin.close()


async def test_services_run_under_their_own_users(clean: Any, single: _Single) -> None:
    """The permissions are enough for the real services: a lead becomes a deal and a task,
    a refused move reaches the manager, a task is completed, and the server refused nothing.
    """
    host = single.url.removeprefix("nats://")

    def as_user(user: str) -> SimpleNamespace:
        url = f"nats://{user}:{PASSWORDS[user]}@{host}"
        return SimpleNamespace(nats_url=url, database_url=clean.database_url)

    async with (
        running(as_user("deal-service"), "deal-service"),
        running(as_user("task-service"), "task-service"),
        running(as_user("notifier"), "notifier"),
    ):
        source = await _connect(single.url, "lead-source")
        await Client(source).publish_lead(source="site", external_id="perm-1")
        await source.close()
        cli = Client(await _connect(single.url, "crm-cli"))
        try:
            notes = await cli.record("crm.notify.>")
            [deal] = await eventually(cli.deals)
            [task] = await eventually(
                lambda: _items(cli.request("crm.query.task.list", {"deal_id": deal["id"]}))
            )
            assert task["stage"] == "NEW_LEAD"
            refused = await cli.cmd(
                "deal.move", actor_id="mgr-1", deal_id=deal["id"], to_stage="OFFER_MADE"
            )
            assert refused["error"]["code"] == "missing_fields"
            await eventually(lambda: notes.messages)  # the notifier told the manager
            done = await cli.cmd(
                "task.complete", actor_id=task["responsible_id"], task_id=task["id"]
            )
            assert done["ok"], done
        finally:
            await cli.close()
    assert single.violations() == []


async def _items(reply: Any) -> list[dict[str, Any]]:
    body = await reply
    assert body["ok"], body
    return list(body["items"])


@pytest.fixture
async def cluster(tmp_path: Path) -> AsyncIterator[JetStreamContext]:
    """deploy/nats/n1..n3 running as one cluster; JetStream as crm-admin, streams R3."""
    nodes = ["n1.conf", "n2.conf", "n3.conf"]
    moved = _copy_configs(tmp_path, nodes)
    urls = [f"nats://127.0.0.1:{moved[p]}" for p in (4241, 4242, 4243)]
    with _servers(tmp_path, nodes):
        await _wait_healthy(tmp_path, nodes, timeout=40)
        admin = await nats.connect(servers=urls, user="crm-admin", password=PASSWORDS["crm-admin"])
        try:
            js = admin.jetstream(timeout=10)
            await eventually(lambda: _ensure(js), timeout=30)
            yield js
        finally:
            await admin.close()


async def test_three_node_cluster_keeps_r3_streams(cluster: JetStreamContext) -> None:
    for name in STREAMS:
        info = await cluster.stream_info(name)
        assert info.config.num_replicas == 3
        assert info.cluster is not None and len(info.cluster.replicas or []) == 2
        peers = {info.cluster.leader, *(r.name for r in info.cluster.replicas or [])}
        assert peers == {"n1", "n2", "n3"}
    ack = await cluster.publish("crm.lead.received", b"{}", headers={"Nats-Msg-Id": "x"})
    assert ack.stream == "CRM_LEADS" and not ack.duplicate


async def test_a_service_start_leaves_r3_streams_r3(cluster: JetStreamContext) -> None:
    await ensure_streams(cluster)  # what Runtime.connect() does
    assert (await cluster.stream_info("CRM_EVENTS")).config.num_replicas == 3


async def _ensure(js: Any) -> bool:
    """Create the streams R3; right after start the meta leader may still be in election."""
    try:
        await ensure_streams(js, replicas=3)
    except Exception:
        return False
    return True
