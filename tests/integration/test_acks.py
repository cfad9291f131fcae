"""The relay's publishes (`machinery.acks`) on a real JetStream: every answer read as
`js.publish` reads it, none lost, none waited for beyond the timeout."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

import nats
import pytest
from nats.errors import ConnectionClosedError
from nats.errors import Error as NatsError
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js.api import DiscardPolicy
from nats.js.errors import APIError, NoStreamResponseError

from crm_shared.contracts.deal import LeadReceived
from crm_shared.devstack import EmbeddedNats
from crm_shared.machinery.acks import Acks
from crm_shared.machinery.bus import connect, ensure_streams
from crm_shared.machinery.faults import is_transient
from gateway.adapters.bus import Bus


async def test_a_round_is_published_in_order_and_every_ack_is_read(infra: Any) -> None:
    stream = f"ACKS_{uuid.uuid4().hex[:8]}"
    subject = f"{stream.lower()}.x"
    nc = await nats.connect(infra.nats_url)
    js = nc.jetstream()
    await js.add_stream(name=stream, subjects=[f"{stream.lower()}.>"])
    acks = Acks(nc, 5)
    try:
        events = [(f"e{n}", subject, str(n).encode()) for n in range(300)]
        results = await acks.results(acks.send(events))
        assert [r["seq"] for r in results] == list(range(1, 301))
        assert {r["stream"] for r in results} == {stream}

        # The same event ids again (a sweep after a lost ack): acknowledged as duplicates,
        # which is success, and the stream holds each event once.
        again = await acks.results(acks.send(events[:5]))
        assert [r.get("duplicate") for r in again] == [True] * 5
        assert (await js.stream_info(stream)).state.messages == 300
        first = await js.get_msg(stream, 1)
        assert first.data == b"0" and first.headers == {"Nats-Msg-Id": "e0"}
        assert acks._waiting == {}
    finally:
        await acks.close()
        await js.delete_stream(stream)
        await nc.close()


async def test_refusals_are_the_errors_js_publish_raises(infra: Any) -> None:
    stream = f"ACKS_{uuid.uuid4().hex[:8]}"
    nc = await nats.connect(infra.nats_url)
    js = nc.jetstream()
    await js.add_stream(
        name=stream, subjects=[f"{stream.lower()}.>"], max_msgs=1, discard=DiscardPolicy.NEW
    )
    acks = Acks(nc, 5)
    try:
        full = await acks.results(
            acks.send([("a", f"{stream.lower()}.x", b"1"), ("b", f"{stream.lower()}.x", b"2")])
        )
        assert full[0]["seq"] == 1
        assert isinstance(full[1], APIError) and "maximum messages" in str(full[1])

        # A subject no stream takes: NATS says "no responders" at once, as js.publish is told.
        nowhere = await acks.results(acks.send([("c", f"nowhere.{stream}", b"")]))
        assert isinstance(nowhere[0], NoStreamResponseError)
        with pytest.raises(NoStreamResponseError):
            await js.publish(f"nowhere.{stream}", b"")
    finally:
        await acks.close()
        await js.delete_stream(stream)
        await nc.close()


async def test_no_answer_is_a_timeout_and_nothing_waits_after_it(infra: Any) -> None:
    """A responder that never answers (not JetStream): the round ends at the timeout, with
    nats-py's TimeoutError, a transient fault (the rows stay for the sweep)."""
    nc = await nats.connect(infra.nats_url)
    subject = f"silent.{uuid.uuid4().hex[:8]}"
    heard: list[bytes] = []

    async def silent(msg: Any) -> None:
        heard.append(msg.data)

    await nc.subscribe(subject, cb=silent)
    acks = Acks(nc, 0.3)
    try:
        results = await acks.results(acks.send([("x", subject, b"1"), ("y", subject, b"2")]))
        assert all(isinstance(r, NatsTimeoutError) and is_transient(r) for r in results)
        assert heard == [b"1", b"2"] and acks._waiting == {}
    finally:
        await acks.close()
        await nc.close()


async def test_a_closed_connection_fails_the_round_at_once(infra: Any) -> None:
    nc = await nats.connect(infra.nats_url)
    acks = Acks(nc, 5)
    await acks.results(acks.send([]))
    await nc.close()
    results = await asyncio.wait_for(acks.results(acks.send([("z", "any.thing", b"")])), 2)
    assert isinstance(results[0], ConnectionClosedError) and is_transient(results[0])


async def test_the_services_own_users_may_hear_their_acks(tmp_path: Path) -> None:
    """On a server with the deployed accounts: the gateway's lead and a service's event are
    acknowledged to the user's own inbox, which its rights allow; with no stream, the
    gateway's publish fails at once with a nats-py error (its intake answers 503)."""
    with EmbeddedNats(tmp_path) as server:
        gateway = await connect(server.url_as("gateway"), "gateway")
        deals = await connect(server.url_as("deal-service"), "deal-service")
        admin = await nats.connect(server.url)
        try:
            bus = Bus(gateway, timeout=5)
            lead = LeadReceived.model_validate(
                {"source": "site", "external_id": "1", "contact": {"name": "Ян"}}
            )
            with pytest.raises(NoStreamResponseError) as nowhere:
                await bus.publish_lead(lead, origin="json")
            assert isinstance(nowhere.value, NatsError)

            await ensure_streams(admin.jetstream())
            assert await bus.publish_lead(lead, origin="json") == (1, False)
            # the same lead: one copy, and the ack says so
            assert await bus.publish_lead(lead, origin="json") == (1, True)

            acks = Acks(deals, 5)
            [ack] = await acks.results(acks.send([("ev-1", "crm.deal.created", b"{}")]))
            assert ack["stream"] == "CRM_EVENTS"
            await acks.close()
        finally:
            for nc in (gateway, deals, admin):
                await nc.close()
