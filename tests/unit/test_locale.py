"""crm_shared.locale: the one catalogue of sentences and the Russian formats (issue 21)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from crm_shared.config import CrmConfig, load_config
from crm_shared.contracts.deal import DealFields
from crm_shared.contracts.refusals import ErrorCode
from crm_shared.locale import (
    GENERAL,
    amount,
    data_size,
    day,
    day_start,
    duration,
    form_problems,
    moment,
    money,
    number,
    parse_clock,
    parse_day,
    percent,
    say,
    sums,
    today,
)
from crm_shared.locale.catalogue import SENTENCES

NB = "\u00a0"
YEKATERINBURG = ZoneInfo("Asia/Yekaterinburg")
MOSCOW = ZoneInfo("Europe/Moscow")


def test_money_numbers_and_shares_read_in_russian_with_no_break_spaces() -> None:
    assert money(1_200_000) == f"1{NB}200{NB}000{NB}₽"
    assert money("15000.5", "RUB") == f"15{NB}000,50{NB}₽"
    assert money("10", "EUR") == f"10{NB}€"
    assert money("7", "KZT") == f"7{NB}KZT"  # a currency without a sign keeps its code
    assert money(None) == "—" and money("") == "—"
    assert amount("177000.00") == f"177{NB}000" and amount("12500.5") == f"12{NB}500,50"
    assert amount(None) == ""  # an input's value: empty
    assert sums({"RUB": "1000", "USD": "2"}) == f"1{NB}000{NB}₽ + 2{NB}$"
    assert number(1234567) == f"1{NB}234{NB}567" and number("2.5") == "2,5"
    assert percent(0.1333) == f"13,3{NB}%"
    assert percent(None) == f"0,0{NB}%" and percent(0.5, 0) == f"50{NB}%"
    # half rounds up, as people round: 1 of 8 (it said «12 %», Babel's half to even)
    assert percent(1 / 8, 0) == f"13{NB}%" and percent(0.00125) == f"0,1{NB}%"
    assert percent(0.125) == f"12,5{NB}%" and percent(0.0625, 0) == f"6{NB}%"


def test_durations_read_in_two_units() -> None:
    assert duration(3725) == "1 ч 2 мин"
    assert duration(2 * 86400 + 3600 + 5) == "2 дн. 1 ч"
    assert duration(42) == "42 с" and duration(0.2) == "0 с"
    assert duration(None) == "—"


def test_sizes_read_in_russian_units() -> None:
    assert data_size(512) == "512 Б" and data_size(160 * 1024) == "160 кБ"
    assert data_size(12.3 * 2**20) == "12,3 МБ" and data_size(5000 * 2**30) == f"5{NB}000 ГБ"


def test_times_read_on_the_readers_clock_and_calendar() -> None:
    at = "2026-12-06T14:27:00Z"
    assert moment(at, MOSCOW) == "06.12.2026 17:27"
    assert moment(at, YEKATERINBURG) == "06.12.2026 19:27"
    assert moment(None, MOSCOW) == "—"
    # 20:30 UTC is already the next day in Yekaterinburg
    assert day("2026-12-06T20:30:00+00:00", YEKATERINBURG) == "07.12.2026"
    assert day(date(2026, 11, 7), MOSCOW) == "07.11.2026"
    late = datetime(2026, 12, 6, 20, 30, tzinfo=UTC)
    assert today(YEKATERINBURG, late) == date(2026, 12, 7)


def test_a_day_begins_at_the_readers_midnight() -> None:
    assert day_start(date(2026, 11, 7), YEKATERINBURG) == datetime(2026, 11, 6, 19, tzinfo=UTC)
    assert day_start(date(2026, 11, 7), MOSCOW) == datetime(2026, 11, 6, 21, tzinfo=UTC)
    assert parse_day("07.11.2026") == parse_day("2026-11-07") == date(2026, 11, 7)
    with pytest.raises(ValueError, match=r"дд\.мм\.гггг"):
        parse_day("11/07/2026")
    # a phone's digit keypad (inputmode="decimal") has a «.» or a «,» but no «:»
    assert parse_day("07,11,2026") == date(2026, 11, 7)
    assert parse_clock("15:00") == time(15, 0) and parse_clock(" 9:05 ") == time(9, 5)
    keypad = {"14.30": time(14, 30), "14,30": time(14, 30), "1430": time(14, 30)}
    for text, meant in {**keypad, "930": time(9, 30), "0905": time(9, 5)}.items():
        assert parse_clock(text) == meant, text
    for typed in ("3:00 PM", "24:00", "15:60", "15:0", "", "15", "12345", "2400", "15:00:00"):
        with pytest.raises(ValueError, match="ЧЧ:ММ"):
            parse_clock(typed)
    for typed in ("1.5.00", "15.0", "15:.00", "15.30.", "15,3"):
        with pytest.raises(ValueError, match="ЧЧ:ММ"):
            parse_clock(typed)


def test_refusals_read_in_russian_with_their_params() -> None:
    stages = {"PAYMENT_RECEIVED": "Получили оплату", "WON": "Успешно реализована"}
    pickup = {
        "code": "transition_not_allowed",
        "message": "a deal with 'pickup' reaches WON only from PAYMENT_RECEIVED",
        "params": {"reason": "success_from", "method": "pickup", "source": "PAYMENT_RECEIVED"},
    }
    assert say(pickup, stages) == (
        "Сделка со способом доставки «самовывоз» выигрывается только из стадии «Получили оплату»."
    )
    missing = {"code": "missing_fields", "missing_fields": ["amount", "subject"]}
    assert say(missing) == "Не заполнены обязательные поля: Сумма, Предмет сделки."
    # too few attempts to reach the client is no field to fill (rule 6)
    tried: dict[str, Any] = {"code": "missing_fields", "missing_fields": ["contact_attempts"]}
    tried["params"] = {"attempts": "0", "required": "3"}
    assert say(tried) == "Неудачных попыток связаться с клиентом на этой стадии: 0, а нужно 3."
    both = {**tried, "missing_fields": ["failure_comment", "contact_attempts"]}
    assert say(both).startswith("Не заполнены обязательные поля: Комментарий при провале. ")
    asked = {"code": "rop_approval_required", "params": {"stage": "WON", "asked": "rop"}}
    assert say(asked, stages).startswith("Перевести сделку в «Успешно реализована» можно только")
    assert say({"code": "too_many_requests", "retry_after": 7}).endswith("через 7 с.")
    # what the gateway words itself for the person, as it is (first letter up)
    told = {"code": "invalid", "message": "пустая заметка", "params": {"reason": "told"}}
    assert say({**told, "params": {"reason": "told", "told": "пустая заметка"}}) == (
        "Пустая заметка"
    )
    past = {"code": "invalid", "message": "deadline: 2020-01-01T07:00:00+00:00 is in the past"}
    assert say({**past, "params": {"reason": "past_deadline"}}).startswith("Этот срок уже прошёл")


def test_an_unknown_code_or_reason_never_shows_the_english_message() -> None:
    assert say({"code": "brand_new", "message": "English words here"}) == GENERAL
    odd = {"code": "forbidden", "message": "nope", "params": {"reason": "brand_new"}}
    assert say(odd) == SENTENCES["forbidden"]
    assert say(None) == GENERAL


def test_every_code_has_a_sentence_and_every_sentence_is_russian() -> None:
    assert {code.value for code in ErrorCode} <= {key.split(".")[0] for key in SENTENCES}
    for key, sentence in SENTENCES.items():
        # Names, not words: params, option and variable names, a command, `id`, crm-cli.
        names = r"\{\w+\}|`[^`]*`|--[\w-]+|\b[A-Z][A-Z_]+\b|\bid\b|crm-cli|e-mail"
        latin = re.sub(names, "", sentence)
        assert not re.search(r"[A-Za-z]", latin), key


def test_form_errors_read_in_russian() -> None:
    with pytest.raises(ValidationError) as caught:
        DealFields.model_validate({"amount": "много", "title": "x" * 600})
    text = form_problems(caught.value.errors())
    assert "Сумма: нужно число" in text and "Название: слишком длинно: не больше" in text
    assert not re.search(r"[A-Za-z]", text), text


def test_a_refused_token_name_says_what_it_may_hold() -> None:
    problems = [{"loc": ("name",), "type": "string_pattern_mismatch", "ctx": {"pattern": "x"}}]
    assert form_problems(problems) == ("name: только латинские буквы, цифры и знаки «_», «.», «-»")


def test_the_zone_is_the_users_else_the_configurations_and_is_checked() -> None:
    shipped = load_config()
    assert shipped.timezone == "Europe/Moscow" and shipped.zone() == MOSCOW
    data = shipped.model_dump(mode="json", exclude_none=True)
    data["timezone"] = "Asia/Yekaterinburg"
    data["users"][1]["timezone"] = "Asia/Vladivostok"
    mine = CrmConfig.model_validate(data)
    assert mine.zone(data["users"][0]["id"]) == YEKATERINBURG
    assert mine.zone(data["users"][1]["id"]) == ZoneInfo("Asia/Vladivostok")
    assert mine.zone("nobody") == YEKATERINBURG
    for bad in ("Mars/Olympus", "MSK", "+03:00", "Europe/"):
        with pytest.raises(ValidationError, match="не часовой пояс IANA"):
            CrmConfig.model_validate(data | {"timezone": bad})


def test_an_imported_deals_source_is_said_in_russian() -> None:
    from crm_shared.locale.catalogue import source_name

    assert source_name("bitrix24") == "Битрикс24"  # it read «Источник: bitrix24»
    assert source_name("avito") == "avito"  # an operator's own source, as configured
