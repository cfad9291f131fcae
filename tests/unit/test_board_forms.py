"""The board's forms become the API's deal fields; its filters say amounts and times in Russian."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from crm_shared.config import config_from_data
from crm_shared.contracts.deal import CONTACT_FIELD_NAMES, DEAL_FIELD_NAMES
from gateway.domain.people import Principal
from gateway.entrypoints.web.common import deal_fields, draft, typed
from gateway.entrypoints.web.render import Pages, duration, money, overdue, sums
from gateway.handlers.errors import Refusal
from tests.configs import default_data


def test_the_move_dialog_sends_only_what_was_filled() -> None:
    form = {
        "to_stage": "OFFER_MADE",
        "amount": "12 500,50",
        "subject": "  ",
        "contact.phone": "+7 912 000-11-22",
        "delivery_method": "delivery",
    }
    assert deal_fields(form, only_filled=True) == {
        "amount": "12500.50",
        "delivery_method": "delivery",
        "contact": {"phone": "+7 912 000-11-22"},
    }


def test_the_deal_card_sends_what_changed_and_clears_what_was_emptied() -> None:
    form = {
        "title": "Кирпич",
        "was.title": "Кирпич",
        "subject": "",
        "was.subject": "Кирпич облицовочный",
        "contact.segment": "Строители",
        "was.contact.segment": "",
    }
    assert deal_fields(form, only_filled=False) == {
        "subject": None,
        "contact": {"segment": "Строители"},
    }
    # the amount is shown as «177 000» (crm_shared.locale.amount): untouched, it is not sent
    shown = {"amount": "177\u00a0000", "was.amount": "177\u00a0000"}
    assert deal_fields(shown, only_filled=False) == {}
    assert deal_fields(shown | {"amount": "180 000"}, only_filled=False) == {"amount": "180000"}


def test_a_phone_left_alone_is_no_change_whatever_its_notation() -> None:
    """The card shows a kept phone as «+7 912 345-67-89» (`phone`) in the input and its `was.`
    twin; the same number in any notation is not a change, another one or a cleared one is."""
    shown = {"contact.phone": "+7 912 345-67-89", "was.contact.phone": "+7 912 345-67-89"}
    assert deal_fields(shown, only_filled=False) == {} and typed(shown) == {}
    for same in ("+79123456789", "8 912 345 67 89", " +7 (912) 345-67-89 "):
        form = shown | {"contact.phone": same}
        assert deal_fields(form, only_filled=False) == {} and typed(form) == {}, same
    # a card drawn before the phone was shown formatted: its twin still holds E.164
    assert deal_fields(shown | {"was.contact.phone": "+79123456789"}, only_filled=False) == {}
    other = shown | {"contact.phone": "+7 912 345-67-80"}
    assert deal_fields(other, only_filled=False) == {"contact": {"phone": "+7 912 345-67-80"}}
    assert typed(other) == {"contact.phone": "+7 912 345-67-80"}
    assert deal_fields(shown | {"contact.phone": ""}, only_filled=False) == {
        "contact": {"phone": None}
    }
    assert typed(shown | {"contact.phone": "12"}) == {"contact.phone": "12"}  # kept to correct


def test_a_dialogs_phone_reads_as_people_write_it_and_what_was_typed_as_typed() -> None:
    pages = Pages(config_from_data(default_data()))
    shown = pages.env.get_template("partials/field_input.html")
    deal = {"contact": {"name": "Пётр", "phone": "+79123456789"}}
    asked = shown.render(name="contact.phone", deal=deal, form={})
    assert 'value="+7 912 345-67-89"' in asked
    typed_in = shown.render(name="contact", deal=deal, form={"contact.phone": "+7912"})
    assert 'value="+7912"' in typed_in  # never «+7 912», which the person did not type
    assert 'value=""' in shown.render(name="contact.phone", deal={"contact": {}}, form={})


def test_a_bad_value_is_refused_in_words() -> None:
    with pytest.raises(Refusal) as refused:
        deal_fields({"amount": "много"}, only_filled=True)
    assert refused.value.status == 400 and "amount" in refused.value.message
    # and a person reads it in Russian (the catalogue's sentence of params.problems)
    assert refused.value.extra["params"]["problems"] == "Сумма: нужно число"


def test_a_dialog_shown_again_keeps_what_was_typed() -> None:
    deal = {"id": "d", "subject": None, "contact": {"name": "Пётр", "phone": None}}
    shown = draft(deal, {"subject": "Кирпич", "contact.phone": "+7912"})
    assert shown["subject"] == "Кирпич" and shown["contact"] == {"name": "Пётр", "phone": "+7912"}
    assert deal["contact"] == {"name": "Пётр", "phone": None}


def test_amounts_and_durations_read_in_russian() -> None:
    # the board's filters are crm_shared.locale's (tests/unit/test_locale.py): spaces inside
    # a number and before its unit do not break
    assert money("150000.00", "RUB") == "150\u00a0000\u00a0₽"
    assert money("1000.5", "USD") == "1\u00a0000,50\u00a0$"
    assert money(None) == "—"
    assert sums({"RUB": "10", "EUR": "2.5"}) == "2,50\u00a0€ + 10\u00a0₽"
    assert sums({}) == "0\u00a0₽"
    assert duration(3725) == "1 ч 2 мин"
    assert duration(90061) == "1 дн. 1 ч"
    assert duration(42) == "42 с"


def test_a_deadline_in_the_past_is_overdue() -> None:
    now = datetime.now(UTC)
    assert overdue((now - timedelta(minutes=1)).isoformat())
    assert not overdue((now + timedelta(minutes=1)).isoformat().replace("+00:00", "Z"))
    assert not overdue(None)


def test_a_page_shows_times_on_the_viewers_clock() -> None:
    """Issue 21: a user's own `timezone`, else the configuration's; never UTC, never the
    browser's (the page is rendered with the zone)."""
    data = default_data()
    data["timezone"] = "Asia/Yekaterinburg"
    data["users"][1]["timezone"] = "Asia/Vladivostok"
    config = config_from_data(data, source="test")
    pages = Pages(config)
    own, team = (Principal("user", u["id"], u["name"]) for u in data["users"][1::-1])
    assert pages.zone(own) == ZoneInfo("Asia/Vladivostok")
    assert pages.zone(team) == pages.zone(None) == ZoneInfo("Asia/Yekaterinburg")
    shown = pages.env.from_string("{{ at | when }} · {{ at | when_day }}")
    at = "2026-12-06T20:30:00Z"
    assert shown.render(zone=pages.zone(own), at=at) == "07.12.2026 06:30 · 07.12.2026"
    assert shown.render(zone=pages.zone(team), at=at) == "07.12.2026 01:30 · 07.12.2026"


def test_the_story_names_every_field_a_change_can_carry() -> None:
    """A field_changed of any deal or contact field reads in Russian on the deal's feed
    («delivery_address: … → …» was shown with its code: the feed had a list of its own)."""
    config = config_from_data(default_data())
    pages = Pages(config)
    fields = [*DEAL_FIELD_NAMES, "contact", *(f"contact.{n}" for n in CONTACT_FIELD_NAMES)]
    change = {"kind": "field_changed", "at": "2026-12-06T20:30:00Z", "actor_id": "mgr-1"}
    timeline = {"items": [{**change, "changes": [{"field": f, "from": None, "to": "x"}]}
                          for f in fields]}  # fmt: skip
    html = pages.env.get_template("partials/timeline.html").render(
        deal={"id": "d-1", "currency": "RUB"}, timeline=timeline, zone=pages.zone(None)
    )
    for field in fields:
        assert f"{field}:" not in html, field
    assert "Адрес доставки: — → x" in html
    assert "Телефон контакта: — → x" in html
