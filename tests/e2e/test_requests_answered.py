"""Every request gets an answer within a second, whatever its bytes (issue 10)."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from crm_shared.contracts.deal import MoveDeal
from deal_service.handlers import deals as deal_handlers
from tests.services import running
from tests.support import Client

DEEP = b"[" * 3000
DIGITS = b'{"actor_id": "mgr-1", "deal_id": "d", "to_stage": "X", "n": ' + b"9" * 5000 + b"}"


def _move(**fields: Any) -> bytes:
    return json.dumps({"actor_id": "mgr-1", "deal_id": "d", "to_stage": "X", **fields}).encode()


BODIES = {
    "3000 [": DEEP,
    "5000 digits": DIGITS,
    "5000 digits in a field": _move(deal_id=None).replace(b"null", b"9" * 5000),
    "NUL in deal_id": _move(deal_id="d\u0000"),
    "NUL in a comment": _move(failure_comment="a\u0000b"),
    "lone surrogate": b'{"actor_id": "mgr-1", "deal_id": "\\udc00", "to_stage": "X"}',
    "long stage": _move(to_stage="S" * 65),
    "long id": _move(deal_id="d" * 101),
    "bad UTF-8": b'{"actor_id": "\xff"}',
}


async def _ask(client: Client, subject: str, body: bytes) -> dict[str, Any]:
    reply = await client.nc.request(subject, body, timeout=1.0)
    result: dict[str, Any] = json.loads(reply.data)
    return result


@pytest.mark.parametrize("subject", ["crm.cmd.deal.move", "crm.cmd.deal.update"])
async def test_hostile_bodies_are_refused_as_invalid_within_a_second(
    subject: str, clean: Any, client: Client
) -> None:
    async with running(clean, "deal-service"):
        await client.request("crm.query.deal.get", {"actor_id": "rop-1", "deal_id": "warm-up"})
        for name, body in BODIES.items():
            reply = await _ask(client, subject, body)
            assert reply["ok"] is False, name
            assert reply["error"]["code"] == "invalid", (name, reply)


async def test_a_moment_out_of_range_in_utc_is_invalid(clean: Any, client: Client) -> None:
    async with running(clean, "deal-service"):
        await client.request("crm.query.deal.get", {"actor_id": "rop-1", "deal_id": "warm-up"})
        for moment in ("0001-01-01T00:00:00+01:00", "9999-12-31T23:00:00-02:00"):
            body = {"actor_id": "rop-1", "from": moment, "to": "2026-01-01"}
            if moment.startswith("9999"):
                body = {"actor_id": "rop-1", "from": "2026-01-01", "to": moment}
            reply = await _ask(client, "crm.query.analytics.funnel", json.dumps(body).encode())
            assert reply["error"]["code"] == "invalid", reply


async def test_a_size_limit_counts_bytes_not_characters(clean: Any, client: Client) -> None:
    async with running(clean, "deal-service"):
        deal = (await client.cmd("deal.create", actor_id="mgr-1"))["deal"]
        emoji = "😀" * 2600  # 2,600 characters, 10,400 bytes: over the 10,000 of requirements
        reply = await client.cmd(
            "deal.update", actor_id="mgr-1", deal_id=deal["id"], fields={"requirements": emoji}
        )
        assert reply["error"]["code"] == "invalid" and "bytes" in reply["error"]["message"]


async def test_an_unexpected_failure_is_answered_as_internal_with_a_correlation_id(
    clean: Any, client: Client, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug inside a use case (here the move's first step made to raise), on the real path:
    the request over NATS, the service's typed handler, its `Answering` middleware."""

    def broken(*_: Any) -> None:
        raise ZeroDivisionError("a bug")

    async with running(clean, "deal-service"):
        await client.request("crm.query.deal.get", {"actor_id": "rop-1", "deal_id": "warm-up"})
        monkeypatch.setattr(deal_handlers, "check_user", broken)
        with caplog.at_level(logging.ERROR):
            reply = await _ask(client, MoveDeal.SUBJECT, _move())
    assert reply["ok"] is False and reply["error"]["code"] == "internal"
    correlation = reply["error"]["correlation_id"]
    assert correlation in reply["error"]["message"]
    assert any(correlation in r.getMessage() and r.exc_info for r in caplog.records)


async def test_a_reply_too_large_for_the_bus_is_refused_not_dropped(
    clean: Any, client: Client
) -> None:
    fields = {
        "title": "т" * 250,
        "company": "к" * 250,
        "subject": "s" * 2000,
        "requirements": "r" * 10_000,
        "failure_comment": "f" * 10_000,
    }
    async with running(clean, "deal-service"):
        for _ in range(50):
            deal = (await client.cmd("deal.create", actor_id="mgr-1"))["deal"]
            await client.cmd("deal.update", actor_id="mgr-1", deal_id=deal["id"], fields=fields)
        reply = await _ask(client, "crm.query.deal.list", b'{"actor_id": "rop-1", "limit": 50}')
        assert reply["error"]["code"] == "invalid" and "limit" in reply["error"]["message"]
        page = await _ask(client, "crm.query.deal.list", b'{"actor_id": "rop-1", "limit": 20}')
        assert page["ok"] and len(page["items"]) == 20
