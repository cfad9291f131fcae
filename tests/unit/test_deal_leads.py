"""deal-service's lead decisions (rule 8) and the funnel report's layout (rule 9), pure."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from crm_shared.contracts.deal import LeadReceived
from crm_shared.contracts.refusals import Refused
from deal_service.domain.contacts import new_contact
from deal_service.domain.funnel import DealTotal, FunnelFacts, LossComment, build_report
from deal_service.domain.leads import (
    check_lead,
    inbox_key,
    lead_title,
    manual_responsible,
    needs_turn,
    responsible_for,
)
from tests.configs import config_with

BASIC = config_with("basic")
FIXED = config_with(
    "basic", lambda d: d.update(lead_assignment={"mode": "fixed", "user_id": "mgr-2"})
)


def lead(**fields: Any) -> LeadReceived:
    values: dict[str, Any] = {"source": "site", "external_id": "1", "contact": {"name": "Ян"}}
    return LeadReceived.model_validate({**values, **fields})


def test_a_lead_is_checked_before_anything_is_written() -> None:
    checked = check_lead(lead(contact={"phone": "8 912 000-00-01", "email": "A@B.RU"}), BASIC)
    assert (checked.phone, checked.email, checked.key) == ("+79120000001", "a@b.ru", ("site", "1"))
    for bad, reason in (
        (lead(contact={}), "a name, phone or email"),
        (lead(contact={"name": "   ", "phone": " "}), "a name, phone or email"),
        (lead(contact={"phone": "12"}), "phone"),
        (lead(responsible_id="nobody"), "unknown user 'nobody'"),
    ):
        with pytest.raises(Refused, match=reason):
            check_lead(bad, BASIC)
    # The lead's key is capped in bytes by its schema, so it always fits the unique index.
    for field, value in (("external_id", "я" * 101), ("source", "ё" * 51)):
        with pytest.raises(ValidationError, match=f"{field}\n.*bytes in JSON, over the limit"):
            lead(**{field: value})


def test_round_robin_fixed_and_given_responsibles() -> None:
    assert needs_turn(BASIC, None) and not needs_turn(BASIC, "mgr-1")
    assert not needs_turn(FIXED, None)
    managers = [m.id for m in BASIC.managers]
    assert [responsible_for(BASIC, None, n) for n in (1, 2, 3)] == [*managers, managers[0]]
    assert responsible_for(BASIC, "mgr-2", None) == "mgr-2"
    assert responsible_for(FIXED, None, None) == "mgr-2"
    # by hand: the manager who makes the deal, unless another is named; a РОП names nobody
    assert manual_responsible(BASIC, None, "mgr-1") == "mgr-1"
    assert manual_responsible(BASIC, "mgr-2", "mgr-1") == "mgr-2"
    assert manual_responsible(BASIC, None, "rop-1") is None


def test_titles_and_inbox_keys() -> None:
    assert lead_title(lead(title="Заявка")) == "Заявка"
    assert lead_title(lead(title="  ")) == "Лид (сайт): Ян"
    # a name of spaces is no name: the deal is called by the phone, the contact has none
    spaces = lead(contact={"name": "  ", "phone": "+79120000001"})
    assert lead_title(spaces) == "Лид (сайт): +79120000001"
    assert new_contact(spaces.contact, "+79120000001").name is None
    assert inbox_key("m-1") == "m-1"
    long = inbox_key("x" * 201)
    assert long.startswith("sha256:") and len(long) == 71 and long == inbox_key("x" * 201)


def test_the_funnel_report_lays_out_what_was_counted() -> None:
    start, end = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC)
    facts = FunnelFacts(
        totals=[
            DealTotal("WON", "RUB", 2, Decimal("100.50")),
            DealTotal("LOST_EXPENSIVE", "RUB", 1, None),
            DealTotal("NEW_LEAD", "RUB", 1, None),
        ],
        reached={"NEW_LEAD": 4, "WON": 2},
        times=[],
        comments=[LossComment("LOST_EXPENSIVE", "d-3", "Дорого для них")],
    )
    report = build_report(BASIC, start, end, None, facts)
    assert report["created"] == 4 and report["conversion"] == 0.5
    assert report["won"] == {"count": 2, "sum": {"RUB": "100.50"}}
    expensive = next(loss for loss in report["losses"] if loss["stage"] == "LOST_EXPENSIVE")
    assert expensive["count"] == 1 and expensive["name"] == "Дорого (с комментарием)"
    assert expensive["comments"] == [{"deal_id": "d-3", "comment": "Дорого для них"}]
    assert report["stages"][0] == {
        "code": "NEW_LEAD", "name": "Новый лид", "kind": "active", "reached": 4, "share": 1.0,
    }  # fmt: skip
    assert report["overdue"] is None
