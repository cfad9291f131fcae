"""The typed request client on a real NATS server: replies, refusals, silence."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import nats
import pytest
from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg

from crm_shared.contracts.deal import GetDeal, MoveDeal
from crm_shared.contracts.refusals import ErrorCode, Refused
from crm_shared.machinery.asking import Bus
from tests.conftest import Infra

DEAL = {
    "id": "d1",
    "version": 2,
    "stage": "NEW",
    "created_at": "2026-01-01T00:00:00Z",
    "updated_at": "2026-01-01T00:00:00Z",
}


@pytest.fixture
async def nc(infra: Infra) -> AsyncIterator[NatsClient]:
    conn = await nats.connect(infra.nats_url)
    yield conn
    await conn.close()


async def test_a_request_goes_to_its_subject_and_its_reply_is_typed(nc: NatsClient) -> None:
    seen: list[dict[str, object]] = []

    async def answer(msg: Msg) -> None:
        seen.append(json.loads(msg.data))
        await msg.respond(json.dumps({"ok": True, "deal": DEAL}).encode())

    sub = await nc.subscribe(MoveDeal.SUBJECT, cb=answer)
    try:
        bus = Bus(nc, timeout=2)
        reply = await bus.ask(
            MoveDeal(actor_id="m1", deal_id="d1", to_stage="X"), request_id="k:deal.move"
        )
    finally:
        await sub.unsubscribe()
    assert reply.deal.version == 2
    assert seen == [
        {"actor_id": "m1", "deal_id": "d1", "to_stage": "X", "request_id": "k:deal.move"}
    ]


async def test_nobody_answering_is_unavailable_naming_service_and_subject(
    nc: NatsClient,
) -> None:
    with pytest.raises(Refused) as refused:
        await Bus(nc, timeout=1).ask(GetDeal(actor_id="m1", deal_id="d1"))
    assert refused.value.error.code is ErrorCode.unavailable
    assert "deal-service" in refused.value.error.message
    assert GetDeal.SUBJECT in refused.value.error.message


async def test_a_slow_service_is_unavailable_after_the_timeout(nc: NatsClient) -> None:
    async def silent(msg: Msg) -> None:
        return None

    sub = await nc.subscribe(GetDeal.SUBJECT, cb=silent)
    try:
        with pytest.raises(Refused) as refused:
            await Bus(nc, timeout=5).ask(GetDeal(actor_id="m1", deal_id="d1"), timeout=0.2)
    finally:
        await sub.unsubscribe()
    assert refused.value.error.code is ErrorCode.unavailable
    assert "0.2 s" in refused.value.error.message
