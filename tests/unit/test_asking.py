"""The typed request client's body and reply handling (no bus: crm_shared.machinery.asking)."""

from __future__ import annotations

import json

import pytest

from crm_shared.contracts.analytics import FunnelQuery, ReportReply
from crm_shared.contracts.deal import (
    DealFields,
    DealReply,
    GetDeal,
    MoveDeal,
    MoveDealReply,
    UpdateDeal,
)
from crm_shared.contracts.refusals import ErrorCode, Refused
from crm_shared.machinery.asking import body_of, read_reply, unavailable

DEAL = {
    "id": "d1",
    "version": 3,
    "stage": "NEW",
    "amount": "15000.00",
    "created_at": "2026-01-01T00:00:00Z",
    "updated_at": "2026-01-01T00:00:00Z",
}


def test_each_request_names_its_reply_type() -> None:
    assert MoveDeal.Reply is MoveDealReply
    assert GetDeal.Reply is DealReply
    assert FunnelQuery.Reply is ReportReply


def test_the_body_is_what_was_given_with_an_explicit_null_kept() -> None:
    cmd = UpdateDeal(actor_id="m1", deal_id="d1", fields=DealFields(company=None))
    body = json.loads(body_of(cmd, "key-1:deal.update"))
    assert body == {
        "actor_id": "m1",
        "deal_id": "d1",
        "fields": {"company": None},
        "request_id": "key-1:deal.update",
    }


def test_a_window_is_sent_by_its_alias() -> None:
    query = FunnelQuery(actor_id="r1", from_="2026-01-01", to="2026-02-01")
    assert json.loads(body_of(query))["from"] == "2026-01-01"


def test_a_request_id_is_for_commands_and_within_the_id_limit() -> None:
    with pytest.raises(TypeError):
        body_of(GetDeal(actor_id="m1", deal_id="d1"), "k")
    with pytest.raises(Refused) as refused:
        body_of(MoveDeal(actor_id="m1", deal_id="d1", to_stage="X"), "k" * 101)
    assert refused.value.error.code is ErrorCode.invalid


def test_an_ok_reply_is_the_contract_type() -> None:
    request = MoveDeal(actor_id="m1", deal_id="d1", to_stage="X")
    reply = read_reply(request, json.dumps({"ok": True, "deal": DEAL}).encode())
    assert isinstance(reply, MoveDealReply)
    assert reply.deal.version == 3
    assert reply.model_dump(mode="json")["deal"]["amount"] == "15000.00"


def test_a_refusal_is_raised_with_the_services_error() -> None:
    error = {"code": "missing_fields", "message": "fill in", "missing_fields": ["amount"]}
    request = MoveDeal(actor_id="m1", deal_id="d1", to_stage="X")
    with pytest.raises(Refused) as refused:
        read_reply(request, json.dumps({"ok": False, "error": error}).encode())
    assert refused.value.error.code is ErrorCode.missing_fields
    assert refused.value.error.missing_fields == ["amount"]


def test_a_reply_off_contract_is_internal_and_names_the_service() -> None:
    request = GetDeal(actor_id="m1", deal_id="d1")
    with pytest.raises(Refused) as refused:
        read_reply(request, b'{"ok": true, "deal": {"id": 1}}')
    assert refused.value.error.code is ErrorCode.internal
    assert "deal-service" in refused.value.error.message


def test_unavailable_says_which_service_and_subject() -> None:
    error = unavailable(MoveDeal.SUBJECT, "did not answer in 2 s").error
    assert error.code is ErrorCode.unavailable
    assert "deal-service" in error.message and MoveDeal.SUBJECT in error.message
