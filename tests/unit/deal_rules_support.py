"""What the unit tests of the deal's rules share: a deal on each plan's configuration,
moved and refused in one line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from crm_shared.config import PLANS, CrmConfig
from crm_shared.contracts.deal import MoveRejected
from crm_shared.contracts.refusals import Refused
from deal_service.domain.contacts import Contact
from deal_service.domain.model import Deal
from tests.configs import config_with

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
PAID = ("basic", "standard", "professional")
BASIC_MOVE = ["contact", "requirements"]
OFFER_FIELDS = ["amount", "currency", "subject", "delivery_method"]
PRO_FIELDS = ["contact.phone", "contact.name"]
PATH = ["PROCESSING", "OFFER_MADE", "ANSWER_RECEIVED", "INVOICE_SENT", "PAYMENT_RECEIVED"]
CONFIGS: dict[str, CrmConfig] = {plan: config_with(plan) for plan in PLANS}


def full(**over: Any) -> dict[str, Any]:
    """Every field any plan requires."""
    values: dict[str, Any] = {
        "contact": Contact("c-1", name="Ян", phone="+79001112233"),
        "requirements": "10 коробок",
        "amount": Decimal("15000.00"),
        "subject": "Поставка",
        "delivery_method": "pickup",
    }
    return {**values, **over}


def new(plan: str = "basic", **values: Any) -> Deal:
    values.setdefault("contact", None)
    deal = Deal.open(
        CONFIGS[plan], now=T0, actor_id="mgr-1", responsible_id="mgr-1", deal_id="d-1", **values
    )
    deal.events.clear()
    deal.entries.clear()
    return deal


def move(deal: Deal, to: str, plan: str = "basic", actor: str = "mgr-1", **kw: Any) -> None:
    deal.move_to(
        to,
        actor_id=actor,
        failure_comment=kw.get("failure_comment"),
        config=CONFIGS[plan],
        now=T0 + timedelta(minutes=deal.version),
    )


def refusal(deal: Deal, to: str, plan: str = "basic", **kw: Any) -> tuple[str, list[str] | None]:
    version, stage, entries = deal.version, deal.stage, len(deal.entries)
    with pytest.raises(Refused) as caught:
        move(deal, to, plan, **kw)
    assert (deal.version, deal.stage, len(deal.entries)) == (version, stage, entries)
    rejected = deal.events[-1]
    assert isinstance(rejected, MoveRejected) and rejected.deal is not None
    return caught.value.error.code.value, caught.value.error.missing_fields


def walk(deal: Deal, stages: list[str], plan: str = "basic") -> None:
    for stage in stages:
        move(deal, stage, plan)
