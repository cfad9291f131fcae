"""Every user of deploy/nats tries every forbidden action, on a real nats-server (issue 23).

One table, generated from the users' roles: who may send commands and queries (the gateway
and the operator's crm-cli), who serves which subjects and owns which durable consumers
(each service its own), and what nobody but crm-admin may do (change, purge or delete a
stream, delete a consumer, read other clients' replies). Each forbidden action must come
back as the server's permissions violation; the allowed ones must still work; and the
services' durable consumers must come out unchanged.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import nats
import pytest
from nats.aio.client import Client as NatsClient
from nats.errors import NoRespondersError
from nats.js.api import AckPolicy, ConsumerConfig

from crm_shared.contracts.task import OverdueTasksQuery
from crm_shared.machinery.bus import EVERY_STREAM, ensure_streams
from tests.nats_servers import PASSWORDS, copy_configs, servers, wait_healthy
from tests.support import eventually

SERVICES = ["deal-service", "task-service", "notifier"]
USERS = [*SERVICES, "gateway", "lead-source", "crm-cli"]  # crm-admin may do everything
SPEAK_FOR_PEOPLE = {"gateway", "crm-cli"}
# What each service serves (with its queue group, the service's name) and the events it owns.
SERVES = {
    "deal-service": ["crm.cmd.deal.move", "crm.query.deal.list", "crm.query.analytics.funnel"],
    "task-service": ["crm.cmd.task.complete", "crm.query.task.list", OverdueTasksQuery.SUBJECT],
    "notifier": ["crm.cmd.notify.read", "crm.query.notify.list"],
}
EVENTS = {
    "deal-service": "crm.deal.created",
    "task-service": "crm.task.created",
    "notifier": "crm.notify.created",
}
DURABLES = {  # (stream, consumer, filter) of each service's durable consumers
    "deal-service": [("CRM_LEADS", "deal-service-leads", "crm.lead.received")],
    "task-service": [("CRM_EVENTS", "task-service-deals", "crm.deal.>")],
    "notifier": [
        ("CRM_EVENTS", "notifier-tasks", "crm.task.>"),
        ("CRM_EVENTS", "notifier-move-rejected", "crm.deal.move_rejected"),
        ("CRM_EVENTS", "notifier-approval-granted", "crm.deal.approval_granted"),
    ],
}
# One query a service may send: deal-service asks task-service, as the actor it answers.
SERVICE_QUERIES = {"deal-service": {OverdueTasksQuery.SUBJECT}}

Action = tuple[str, str, str]  # (kind: publish | subscribe | queue, subject, queue group)


def forbidden(user: str) -> list[Action]:
    """Everything `user` must be refused."""
    rows: list[Action] = [("subscribe", "_INBOX.>", ""), ("subscribe", "$JS.API.>", "")]
    for stream in EVERY_STREAM:
        for op in ("UPDATE", "DELETE", "PURGE", "MSG.DELETE", "MSG.GET"):
            rows.append(("publish", f"$JS.API.STREAM.{op}.{stream}", ""))
    # A create without a name on a stream with durable consumers: a body naming one updates it.
    rows += [("publish", f"$JS.API.CONSUMER.CREATE.{s}", "") for s in ("CRM_EVENTS", "CRM_LEADS")]
    for owner, durables in DURABLES.items():
        for stream, name, _ in durables:
            rows.append(("publish", f"$JS.API.CONSUMER.DELETE.{stream}.{name}", ""))
            if owner != user:
                for api in ("CONSUMER.CREATE", "CONSUMER.DURABLE.CREATE", "CONSUMER.MSG.NEXT"):
                    rows.append(("publish", f"$JS.API.{api}.{stream}.{name}", ""))
                rows.append(("publish", f"$JS.ACK.{stream}.{name}.1.1.1.1.0", ""))
    for owner, subjects in SERVES.items():
        for subject in subjects:
            if user not in SPEAK_FOR_PEOPLE and subject not in SERVICE_QUERIES.get(user, ()):
                rows.append(("publish", subject, ""))
            if owner != user:
                rows.append(("queue", subject, owner))  # taking the owner's requests
                if user != "crm-cli":  # the operator's plain subscriptions only watch
                    rows.append(("subscribe", subject, ""))
        if owner != user:
            rows.append(("publish", EVENTS[owner], ""))
    return rows


class _Refusals:
    def __init__(self) -> None:
        self.seen: list[str] = []

    async def cb(self, exc: Exception) -> None:
        self.seen.append(str(exc).lower())

    def has(self, kind: str, subject: str, queue: str) -> bool:
        verb = "publish" if kind == "publish" else "subscription"
        want = f'permissions violation for {verb} to "{subject}"'.lower()
        if kind == "queue":
            want += f' using queue "{queue}"'
        return any(want in seen for seen in self.seen)


async def _connect(url: str, user: str, errors: _Refusals | None = None) -> NatsClient:
    extra: dict[str, Any] = {"error_cb": errors.cb} if errors else {}
    return await nats.connect(
        url,
        user=user,
        password=PASSWORDS[user],
        inbox_prefix=f"_INBOX.{user}",
        allow_reconnect=False,
        **extra,
    )


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[str]:
    """deploy/nats/single.conf, its streams and the services' durable consumers made by
    crm-admin."""
    moved = copy_configs(tmp_path, ["single.conf"])
    with servers(tmp_path, ["single.conf"]):
        await wait_healthy(tmp_path, ["single.conf"])
        url = f"nats://127.0.0.1:{moved[4222]}"
        admin = await _connect(url, "crm-admin")
        js = admin.jetstream()
        await ensure_streams(js)
        for durables in DURABLES.values():
            for stream, name, subject in durables:
                config = ConsumerConfig(
                    durable_name=name, ack_policy=AckPolicy.EXPLICIT, filter_subject=subject
                )
                await js.add_consumer(stream, config)
        await admin.close()
        yield url


async def _consumers(url: str) -> dict[str, Any]:
    admin = await _connect(url, "crm-admin")
    try:
        js = admin.jetstream()
        found = {}
        for durables in DURABLES.values():
            for stream, name, _ in durables:
                config = (await js.consumer_info(stream, name)).config
                found[name] = (config.filter_subject, config.max_deliver, config.description)
        return found
    finally:
        await admin.close()


@pytest.mark.parametrize("user", USERS)
async def test_every_forbidden_action_is_refused(server: str, user: str) -> None:
    before = await _consumers(server)
    refusals = _Refusals()
    nc = await _connect(server, user, refusals)
    rows = forbidden(user)
    try:
        for kind, subject, queue in rows:
            if kind == "publish":
                await nc.publish(subject, b"{}")
            else:
                await nc.subscribe(subject, queue=queue)
        await nc.flush()
        await eventually(lambda: all(refusals.has(*row) for row in rows), timeout=20)
        assert nc.is_connected
    finally:
        await nc.close()
    assert await _consumers(server) == before


async def test_the_allowed_actions_still_work(server: str) -> None:
    admin = await _connect(server, "crm-admin")
    try:
        # The operator and the gateway send commands and queries (nobody serves them here:
        # "no responders" is the server's answer to a request it let through).
        for user in SPEAK_FOR_PEOPLE:
            nc = await _connect(server, user)
            with pytest.raises(NoRespondersError):
                await nc.request("crm.cmd.deal.move", b"{}", timeout=2)
            await nc.close()
        # A lead source publishes a lead and gets its acknowledgement.
        source = await _connect(server, "lead-source")
        ack = await source.jetstream().publish("crm.lead.received", b"{}")
        assert ack.stream == "CRM_LEADS"
        await source.close()
        # crm-cli watches every subject with a plain subscription.
        cli = await _connect(server, "crm-cli")
        watch = await cli.subscribe("crm.>")
        await cli.flush()

        async def seen() -> bool:
            # Published again until it is seen: core NATS is at most once, and under a full
            # suite's load one copy once never arrived in 10 s (a flush after the publish had
            # already cut such failures from one run in seven); what is tested is the right.
            await admin.publish("crm.cmd.deal.move", b"seen")
            await admin.flush()
            try:
                return (await watch.next_msg(timeout=2)).data == b"seen"
            except nats.errors.TimeoutError:
                return False

        assert await eventually(seen, timeout=30)
        await cli.close()
        # A service serves its own subject in its queue group.
        deal = await _connect(server, "deal-service")

        async def answer(msg: Any) -> None:
            await msg.respond(b"served")

        await deal.subscribe("crm.cmd.deal.move", queue="deal-service", cb=answer)
        await deal.flush()
        # The server may answer "no responders" for a moment after a subscriber on the same
        # subject is new, as after one that has just gone (nats-io/nats-server#2876; it failed
        # once in a full run): asked again, as every caller of ours does.
        reply = await eventually(lambda: admin.request("crm.cmd.deal.move", b"{}", timeout=5))
        assert reply.data == b"served"
        # It may ask for a stream that exists; a create with another configuration is
        # refused by the server and changes nothing.
        body = json.dumps({"name": "CRM_EVENTS", "subjects": ["crm.>"], "storage": "file"})
        refused = await deal.request("$JS.API.STREAM.CREATE.CRM_EVENTS", body.encode(), timeout=5)
        assert "already in use" in json.loads(refused.data)["error"]["description"]
        await deal.close()
        info = await admin.jetstream().stream_info("CRM_EVENTS")
        assert info.config.subjects == ["crm.deal.>", "crm.task.>"]
        # The gateway follows the mirror with an ephemeral consumer of its own.
        gw = await _connect(server, "gateway")
        feed = await gw.jetstream().subscribe(
            "crm.deal.>", stream="CRM_EVENTS_FEED", ordered_consumer=True
        )
        await admin.jetstream().publish("crm.deal.created", b"{}")
        assert (await feed.next_msg(timeout=10)).subject == "crm.deal.created"
        await gw.close()
    finally:
        await admin.close()
