"""The gateway's move use case on a fake bus (the typed client's `ask`, recorded): one
command with its fields and request id, and a version conflict answered with the deal now."""

from __future__ import annotations

from typing import Any, cast

import pytest

from crm_shared.contracts.base import Answer
from crm_shared.contracts.deal import DealReply, GetDeal, MoveDeal, MoveDealReply
from crm_shared.contracts.refusals import ErrorCode, Refused
from gateway.domain.people import Principal
from gateway.handlers.api import move_deal
from gateway.handlers.context import Context
from gateway.handlers.errors import Refusal

DEAL = {
    "id": "d1",
    "version": 4,
    "stage": "OFFER_MADE",
    "created_at": "2026-01-01T00:00:00Z",
    "updated_at": "2026-01-01T00:00:00Z",
}


class FakeBus:
    """Answers each request from `replies` by model, and keeps what was asked."""

    def __init__(self, replies: dict[type, Answer | Refused]) -> None:
        self.replies = replies
        self.asked: list[tuple[Any, str | None]] = []

    async def ask(
        self, request: Any, *, timeout: float | None = None, request_id: str | None = None
    ) -> Any:
        self.asked.append((request, request_id))
        reply = self.replies[type(request)]
        if isinstance(reply, Refused):
            raise reply
        return reply


def context(bus: FakeBus) -> Context:
    return cast(Context, type("Ctx", (), {"bus": bus})())


def manager() -> Principal:
    return cast(Principal, type("P", (), {"actor_id": "mgr-1"})())


async def test_a_move_with_fields_is_one_command_with_its_request_id() -> None:
    reply = MoveDealReply.model_validate({"deal": DEAL, "changed": ["amount"]})
    bus = FakeBus({MoveDeal: reply})
    moved = await move_deal(
        context(bus),
        manager(),
        "d1",
        "OFFER_MADE",
        expected_version=3,
        failure_comment=None,
        fields={"amount": "10.00", "company": None},
        retry_key="k-1",
    )
    assert moved is reply
    [(sent, request_id)] = bus.asked
    assert isinstance(sent, MoveDeal) and sent.expected_version == 3
    assert sent.fields is not None and sent.fields.model_fields_set == {"amount", "company"}
    assert request_id == "k-1:deal.move"


async def test_a_version_conflict_is_409_with_the_deal_as_it_is_now() -> None:
    conflict = Refused(ErrorCode.version_conflict, "changed meanwhile")
    bus = FakeBus({MoveDeal: conflict, GetDeal: DealReply.model_validate({"deal": DEAL})})
    with pytest.raises(Refusal) as refused:
        await move_deal(
            context(bus),
            manager(),
            "d1",
            "OFFER_MADE",
            expected_version=3,
            failure_comment=None,
            fields=None,
        )
    assert refused.value.status == 409 and refused.value.extra["deal"]["version"] == 4
    assert [type(r) for r, _ in bus.asked] == [MoveDeal, GetDeal]
    assert bus.asked[1][1] is None  # a query carries no request id


async def test_a_missing_field_refusal_names_the_fields_in_russian() -> None:
    missing = Refused(ErrorCode.missing_fields, "fill in", ["amount"])
    bus = FakeBus({MoveDeal: missing})
    with pytest.raises(Refusal) as refused:
        await move_deal(
            context(bus),
            manager(),
            "d1",
            "OFFER_MADE",
            expected_version=None,
            failure_comment=None,
            fields=None,
        )
    assert refused.value.status == 422
    assert refused.value.extra["fields"] == [{"name": "amount", "display_name": "Сумма"}]
