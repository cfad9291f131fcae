"""deploy/nats's users on a real nats-server: what each may and may not do.

The three-node cluster is test_deploy_nats_cluster.py; both run the shipped files
(tests/nats_servers.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import nats
import pytest
from nats.aio.client import Client as NatsClient

from crm_shared.machinery.bus import ensure_streams
from tests.nats_servers import PASSWORDS, copy_configs, servers, wait_healthy
from tests.services import running
from tests.support import Client, eventually


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
    moved = copy_configs(tmp_path, ["single.conf"])
    with servers(tmp_path, ["single.conf"]):
        await wait_healthy(tmp_path, ["single.conf"])
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
                lambda: _items(
                    cli.request("crm.query.task.list", {"actor_id": "rop-1", "deal_id": deal["id"]})
                )
            )
            assert task["stage"] == "NEW_LEAD"
            refused = await cli.cmd(
                "deal.move",
                actor_id=deal["responsible_id"],
                deal_id=deal["id"],
                to_stage="OFFER_MADE",
            )
            assert refused["error"]["code"] == "missing_fields"
            await eventually(lambda: notes.messages)  # the notifier told the manager
            done = await cli.cmd(
                "task.complete", actor_id=task["responsible_id"], task_id=task["id"]
            )
            assert done["ok"], done
            failed = await cli.request("crm.query.notify.deliveries", {})  # `crm delivery list`
            assert failed["ok"] and failed["total"] == 0, failed
        finally:
            await cli.close()
    assert single.violations() == []


async def _items(reply: Any) -> list[dict[str, Any]]:
    body = await reply
    assert body["ok"], body
    return list(body["items"])


async def test_the_gateway_runs_under_its_own_user(clean: Any, single: _Single) -> None:
    """HTTP leads, commands, queries and the live feed work under the gateway's user, and
    it can neither forge a service's event nor take a service's requests."""
    from tests.gateway_support import door  # the gateway's helpers, only for this test

    host = single.url.removeprefix("nats://")

    def as_user(user: str) -> SimpleNamespace:
        url = f"nats://{user}:{PASSWORDS[user]}@{host}"
        return SimpleNamespace(nats_url=url, database_url=clean.database_url)

    errors = _Errors()
    gw_nc = await _connect(single.url, "gateway", errors)
    await gw_nc.publish("crm.deal.created", b"{}")
    await gw_nc.subscribe("crm.cmd.deal.move")
    await gw_nc.flush()
    await eventually(lambda: errors.violation("publish", "crm.deal.created"))
    await eventually(lambda: errors.violation("subscription", "crm.cmd.deal.move"))
    await gw_nc.close()

    def provoked() -> bool:
        # The server writes its log line on its own time: the client can hear of the refusal
        # first, and a line written after the count would be taken for a new violation.
        lines = single.violations()
        return any("crm.deal.created" in line for line in lines) and any(
            "crm.cmd.deal.move" in line for line in lines
        )

    await eventually(provoked)
    before = len(single.violations())

    async with (
        running(as_user("deal-service"), "deal-service"),
        running(as_user("task-service"), "task-service"),
        door(as_user("gateway"), services=False) as d,
        d.as_user("rop-1") as http,
    ):
        made = await d.token("site", ["leads:write"])
        seen: list[str] = []

        async def listen() -> None:
            async with http.stream("GET", "/api/events") as reply:
                async for line in reply.aiter_lines():
                    if line.startswith("id: "):
                        seen.append(line)

        feed = asyncio.create_task(listen())
        try:
            lead = {"external_id": "gw-1", "contact": {"name": "Через дверь"}}
            sent = await http.post(
                "/api/leads", json=lead, headers={"Authorization": f"Bearer {made.token}"}
            )
            assert sent.status_code == 202, sent.text

            async def deals() -> list[Any]:
                return list((await http.get("/api/deals")).json()["items"])

            [deal] = await eventually(deals)
            moved = await http.post(f"/api/deals/{deal['id']}/move", json={"to_stage": "LOST_SPAM"})
            assert moved.status_code == 200, moved.text
            await eventually(lambda: len(seen) >= 4)
        finally:
            feed.cancel()
            await asyncio.gather(feed, return_exceptions=True)
    assert single.violations()[before:] == []
