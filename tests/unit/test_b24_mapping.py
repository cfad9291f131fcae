"""A Bitrix24 deal as our ImportDeal (crm import bitrix24): pure, no servers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from crm_cli.b24_mapping import Skip, history_of, import_of, plan
from crm_shared.config import load_config
from crm_shared.locale.imports import entity, fields, line, skip_reason

MAPPING: dict[str, Any] = {
    "stages": {"NEW": {"to": "NEW_LEAD"}, "PREP": {"to": "OFFER_MADE"}, "X": {"to": None}},
    "users": {"7": {"to": "mgr-1"}},
    "fields": {"UF_CRM_1": "requirements"},
}
DEAL = {
    "ID": "5",
    "TITLE": "Сделка",
    "STAGE_ID": "PREP",
    "CONTACT_ID": "1",
    "ASSIGNED_BY_ID": "7",
    "OPPORTUNITY": "10.50",
    "CURRENCY_ID": "USD",
    "DATE_CREATE": "2026-03-01T10:00:00+03:00",
    "UF_CRM_1": "20 коробок",
}
CONTACTS = {"1": {"NAME": "Ян", "EMAIL": [{"VALUE": ""}, {"VALUE": "jan@example.com"}]}}


def _move(i: int, stage: str, at: str) -> dict[str, Any]:
    return {"ID": str(i), "STAGE_ID": stage, "CREATED_TIME": at}


def test_history_leaves_out_unmapped_and_repeated_stages_and_ends_at_the_current() -> None:
    moves = [
        _move(3, "X", "2026-03-02T10:00:00+03:00"),
        _move(1, "NEW", "2026-03-01T06:30:00Z"),  # before creation: not earlier than it
        _move(2, "NEW", "2026-03-01T11:00:00+03:00"),
        _move(4, "PREP", "2026-03-03T10:00:00+03:00"),
    ]
    created, entries = history_of(DEAL, moves, MAPPING, "OFFER_MADE")
    assert [e["stage"] for e in entries] == ["NEW_LEAD", "OFFER_MADE"]
    assert all(e["at"] >= created for e in entries)
    _, alone = history_of(DEAL, [], MAPPING, "OFFER_MADE")
    assert [e["stage"] for e in alone] == ["OFFER_MADE"]


def test_a_deal_becomes_an_import_with_its_fields_or_is_skipped_saying_why() -> None:
    cmd = import_of(DEAL, CONTACTS, [], MAPPING, "rop-1")
    assert (cmd.external_id, cmd.responsible_id, cmd.currency) == ("deal-5", "mgr-1", "USD")
    assert cmd.contact.email == "jan@example.com" and cmd.requirements == "20 коробок"
    assert cmd.created_at == datetime.fromisoformat("2026-03-01T10:00:00+03:00")
    with pytest.raises(Skip, match="stage_not_mapped") as skipped:
        import_of({**DEAL, "STAGE_ID": "X"}, CONTACTS, [], MAPPING, "rop-1")
    assert skipped.value.report() == {"code": "stage_not_mapped", "params": {"stage": "X"}}
    with pytest.raises(Skip, match="no_contact"):
        import_of({**DEAL, "CONTACT_ID": None}, CONTACTS, [], MAPPING, "rop-1")
    with pytest.raises(Skip, match="invalid_field") as skipped:
        import_of({**DEAL, "CURRENCY_ID": "руб"}, CONTACTS, [], MAPPING, "rop-1")
    assert skipped.value.params == {"field": "currency", "value": "руб"}
    assert skip_reason(skipped.value.report()) == "поле «Валюта»: значение «руб» не принято"


def test_the_plan_matches_stages_and_users_by_name() -> None:
    planned = plan(
        load_config(),
        [{"STATUS_ID": "WON", "NAME": "клиент получил заказ"}, {"STATUS_ID": "Z", "NAME": "?"}],
        [{"ID": "3", "NAME": "Иван", "LAST_NAME": "Иванов"}],
        [{"UF_CRM_9": 1, "TITLE": "t"}],
    )
    assert planned["stages"]["WON"]["to"] == "WON" and planned["stages"]["Z"]["to"] is None
    assert planned["users"]["3"]["to"] == "mgr-1"
    assert planned["fields"] == {"UF_CRM_9": None} and planned["lists"] == {}


def test_uf_fields_go_to_the_deal_or_its_contact_and_a_bad_code_says_which() -> None:
    mapping = {
        **MAPPING,
        "fields": {"UF_CRM_1": "pays_by", "UF_CRM_2": "delivery_method", "UF_CRM_3": "segment"},
    }
    deal = {**DEAL, "UF_CRM_1": "invoice", "UF_CRM_2": "pickup", "UF_CRM_3": "опт"}
    cmd = import_of(deal, CONTACTS, [], mapping, "rop-1")
    assert (cmd.contact.pays_by, cmd.contact.segment) == ("invoice", "опт")
    assert cmd.delivery_method == "pickup"
    with pytest.raises(Skip, match="invalid_field") as skipped:
        import_of({**deal, "UF_CRM_2": "45"}, CONTACTS, [], mapping, "rop-1")
    assert skipped.value.params == {"field": "delivery_method", "value": "45"}


def test_a_list_fields_item_ids_become_our_codes_or_the_items_text() -> None:
    userfields: list[dict[str, Any]] = [
        {
            "FIELD_NAME": "UF_CRM_2",
            "USER_TYPE_ID": "enumeration",
            "LIST": [{"ID": "45", "VALUE": "Самовывоз"}, {"ID": "46", "VALUE": "Курьер"}],
        },
        {
            "FIELD_NAME": "UF_CRM_3",
            "USER_TYPE_ID": "enumeration",
            "LIST": [{"ID": "7", "VALUE": "Опт"}, {"ID": "8", "VALUE": "Розница"}],
        },
        {"FIELD_NAME": "UF_CRM_4", "USER_TYPE_ID": "string"},
    ]
    deals = [{"UF_CRM_2": "45", "UF_CRM_3": ["7", "8"], "UF_CRM_4": "x"}]
    planned = plan(load_config(), [], [], deals, userfields)
    assert planned["lists"] == {
        "UF_CRM_2": {
            "45": {"name": "Самовывоз", "to": "pickup"},  # our word: our code
            "46": {"name": "Курьер", "to": None},
        },
        "UF_CRM_3": {"7": {"name": "Опт", "to": None}, "8": {"name": "Розница", "to": None}},
    }
    mapping = {
        **MAPPING,
        "fields": {"UF_CRM_2": "delivery_method", "UF_CRM_3": "subject"},
        "lists": planned["lists"],
    }
    cmd = import_of({**DEAL, **deals[0]}, CONTACTS, [], mapping, "rop-1")
    assert cmd.delivery_method == "pickup" and cmd.subject == "Опт, Розница"
    mapping["lists"]["UF_CRM_2"]["46"]["to"] = "delivery"  # a person's choice in the file
    cmd = import_of({**DEAL, "UF_CRM_2": "46"}, CONTACTS, [], mapping, "rop-1")
    assert cmd.delivery_method == "delivery"


def test_the_import_carries_when_the_deal_its_contact_or_its_stage_changed_last() -> None:
    deal = {**DEAL, "DATE_MODIFY": "2026-03-05T10:00:00+03:00"}
    contacts = {"1": {**CONTACTS["1"], "DATE_MODIFY": "2026-03-06T10:00:00+03:00"}}
    cmd = import_of(deal, contacts, [], MAPPING, "rop-1")
    assert cmd.modified_at == datetime.fromisoformat("2026-03-06T10:00:00+03:00")
    moved = [_move(9, "PREP", "2026-03-07T10:00:00+03:00")]
    cmd = import_of(deal, contacts, moved, MAPPING, "rop-1")
    assert cmd.modified_at == datetime.fromisoformat("2026-03-07T10:00:00+03:00")


def test_the_report_is_said_in_russian_from_its_codes() -> None:
    assert skip_reason({"code": "no_contact", "params": {}}).startswith("у сделки нет контакта")
    refused = {"code": "not_found", "params": {"reason": "user"}}  # deal-service's refusal
    assert skip_reason(refused) == "Такого пользователя нет в настройках CRM."
    assert fields(["stage", "amount", "contact.name"]) == "Стадия, Сумма, Имя контакта"
    assert entity("category_stages", name="Опт") == "стадии воронки «Опт»"
    assert "импортировано 1, обновлено 2" in line(
        "summary", imported=1, updated=2, unchanged=3, skipped=0
    )
