"""The dry run of a rule change on pure data (issue 24 §2): past moves judged by the rules'
own code on the deal as it stood, the journal's later changes undone; the report's groups
and the funnel as it would have read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from crm_shared import locale
from crm_shared.config import CrmConfig
from crm_shared.contracts.deal import RulesTryReport
from deal_service.domain.contacts import Contact
from deal_service.domain.model import Deal
from deal_service.domain.replay import DealPast, FieldChange, PastMove, judge
from deal_service.domain.rules_try import RulesTry
from tests.configs import config_with, shipped_config

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
START, END = T0 - timedelta(days=1), T0 + timedelta(days=30)
SHIPPED = shipped_config()


def _stricter(data: dict[str, Any]) -> None:
    """Предмет сделки is asked already to leave the new lead."""
    data["pipeline"]["rules"]["required_fields"].append(
        {"after": "NEW_LEAD", "fields": ["subject"]}
    )


STRICTER = config_with(change=_stricter)


def deal(deal_id: str, title: str, **values: Any) -> Deal:
    """A deal as it is today, every field the shipped rules ask to reach OFFER_MADE filled."""
    filled: dict[str, Any] = {
        "stage": "OFFER_MADE",
        "contact": Contact("c-" + deal_id, name="Ян", phone="+79001112233"),
        "requirements": "10 коробок",
        "amount": Decimal("15000.00"),
        "subject": "Поставка",
        "delivery_method": "pickup",
        "responsible_id": "mgr-1",
        "rop_id": "rop-1",
    }
    return Deal(
        id=deal_id,
        created_at=T0,
        updated_at=T0,
        title=title,
        **(filled | values),
    )


def h(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def moves(*steps: tuple[str | None, str, float]) -> list[PastMove]:
    return [PastMove(a, b, h(at), "mgr-1", "mgr-1") for a, b, at in steps]


PATH = moves((None, "NEW_LEAD", 0), ("NEW_LEAD", "PROCESSING", 1), ("PROCESSING", "OFFER_MADE", 3))


def test_a_field_filled_after_the_move_is_missing_at_it() -> None:
    # Предмет сделки was filled in at hour 2: the move at hour 1 did not have it.
    past = DealPast(deal("d-1", "Коробки"), PATH, [FieldChange(h(2), "subject", None)])
    verdicts = judge(past, STRICTER)
    assert verdicts[0] is None and verdicts[2] is None
    refused = verdicts[1]
    assert refused is not None and refused.missing_fields == ["subject"]
    # The shipped rules did not ask it there: the same history passes.
    assert judge(past, SHIPPED) == [None, None, None]


def test_a_value_changed_later_is_read_as_it_was() -> None:
    # The amount was 0 until hour 5 (after every move): reaching OFFER_MADE lacked it.
    past = DealPast(deal("d-1", "Коробки"), PATH, [FieldChange(h(5), "amount", "0.00")])
    assert judge(past, SHIPPED)[2] is not None
    assert judge(past, SHIPPED)[2].missing_fields == ["amount"]  # type: ignore[union-attr]


def test_a_contact_attached_later_was_not_there() -> None:
    changes = [FieldChange(h(2), "contact", None), FieldChange(h(2), "contact.phone", None)]
    past = DealPast(deal("d-1", "Коробки"), PATH, changes)
    refused = judge(past, SHIPPED)[1]
    assert refused is not None and refused.missing_fields == ["contact"]


def test_the_rop_must_agree_and_the_attempts_of_the_stay_count() -> None:
    lost = [PastMove("PROCESSING", "LOST_NO_CONTACT", h(4), "mgr-1", "mgr-1", attempts=3)]
    past = DealPast(deal("d-1", "Коробки", stage="LOST_NO_CONTACT"), lost, [])
    refused = judge(past, SHIPPED)[0]
    assert refused is not None and refused.code.value == "rop_approval_required"
    by_rop = [PastMove("PROCESSING", "LOST_NO_CONTACT", h(4), "rop-1", "mgr-1", attempts=1)]
    refused = judge(DealPast(past.deal, by_rop, []), SHIPPED)[0]
    assert refused is not None and refused.missing_fields == ["contact_attempts"]


def _without_stage(code: str) -> CrmConfig:
    def change(data: dict[str, Any]) -> None:
        stages = data["pipeline"]["stages"]
        data["pipeline"]["stages"] = [s for s in stages if s["code"] != code]

    return config_with(change=change)


def test_a_stage_the_proposal_drops_is_named() -> None:
    past = DealPast(
        deal("d-1", "Коробки", stage="LOST_OTHER"), moves(("NEW_LEAD", "LOST_OTHER", 1)), []
    )
    refused = judge(past, _without_stage("LOST_OTHER"))[0]
    assert refused is not None and refused.params == {
        "reason": "unknown_stage",
        "stage": "LOST_OTHER",
    }


def test_the_report_groups_and_the_funnel_as_it_would_have_read() -> None:
    replay = RulesTry(SHIPPED, STRICTER, START, END, examples=1)
    late = [FieldChange(h(2), "subject", None)]
    replay.add(DealPast(deal("d-1", "Коробки"), PATH, late))
    replay.add(DealPast(deal("d-2", "Паллеты"), PATH, late))
    replay.add(DealPast(deal("d-3", "Стеллажи"), PATH, []))
    report = RulesTryReport.model_validate(replay.report())
    assert (report.moves, report.refused, report.deals, report.stopped) == (6, 2, 3, 2)
    (rule,) = report.by_rule
    assert (rule.key, rule.count, rule.deals) == ("missing_fields:subject", 2, 2)
    assert [e.title for e in rule.examples] == ["Коробки"]  # capped at 1
    (stage,) = report.by_stage
    assert (stage.key, stage.name) == ("PROCESSING", "Обрабатываем запрос")
    (manager,) = report.by_responsible
    assert manager.key == "mgr-1" and manager.count == 2
    funnel = report.funnel
    assert (funnel.created, funnel.won, funnel.would_win) == (3, 0, 0)
    reached = {s.code: (s.reached, s.would_reach) for s in funnel.stages}
    assert reached["NEW_LEAD"] == (3, 3)
    assert reached["PROCESSING"] == (3, 1)
    assert reached["OFFER_MADE"] == (3, 1)
    assert report.notes == ["fields_from_journal"]


def _five_attempts(data: dict[str, Any]) -> None:
    data["pipeline"]["rules"]["contact_attempts"]["required"] = 5


def test_the_deals_counted_are_those_whose_moves_were_checked() -> None:
    """The contact-attempts rule from 3 to 5 over 14 deals of the period, 12 of them only
    opened in it: 7 moves checked in 2 deals (it said «7 в 14 сделках»)."""
    replay = RulesTry(SHIPPED, config_with(change=_five_attempts), START, END, examples=1)
    for n in range(12):
        replay.add(DealPast(deal(f"d-new-{n}", "Новая", stage="NEW_LEAD"), PATH[:1], []))
    replay.add(DealPast(deal("d-1", "Коробки"), PATH, []))
    lost = [
        PastMove("NEW_LEAD", "PROCESSING", h(1), "mgr-1", "mgr-1"),
        PastMove("PROCESSING", "NEW_LEAD", h(2), "mgr-1", "mgr-1"),
        PastMove("NEW_LEAD", "PROCESSING", h(2.5), "mgr-1", "mgr-1"),
        PastMove("PROCESSING", "NEW_LEAD", h(3), "mgr-1", "mgr-1"),
        PastMove("NEW_LEAD", "LOST_NO_CONTACT", h(4), "rop-1", "mgr-1", attempts=4),
    ]
    gone = deal("d-2", "Паллеты", stage="LOST_NO_CONTACT")
    replay.add(DealPast(gone, moves((None, "NEW_LEAD", 0)) + lost, []))
    report = RulesTryReport.model_validate(replay.report())
    assert (report.moves, report.deals, report.refused, report.stopped) == (7, 2, 1, 1)
    (rule,) = report.by_rule
    assert (rule.key, rule.count, rule.deals) == ("missing_fields:contact_attempts", 1, 1)
    assert report.funnel.created == 14


def test_the_contact_attempts_rule_is_named_as_a_count_not_a_field() -> None:
    assert locale.rule_name("missing_fields:contact_attempts") == (
        "Недостаточно попыток связаться с клиентом"
    )
    assert locale.rule_name("missing_fields:subject") == "Не заполнено поле «Предмет сделки»"
