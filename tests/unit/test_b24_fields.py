"""Which of our fields a Bitrix24 deal and its contact fill and which they cover and leave
empty (sent as `cleared`, so a re-import empties them here); the contacts' own UF_CRM_*
fields in the plan: pure, no servers."""

from __future__ import annotations

from typing import Any

from crm_cli.b24_fields import carried, listed_value
from crm_cli.b24_mapping import import_of, plan
from crm_shared.config import load_config
from tests.b24_portal import portal_data

MAPPING: dict[str, Any] = {
    "stages": {"PREP": {"to": "OFFER_MADE"}},
    "users": {"7": {"to": "mgr-1"}, "9": {"to": "rop-1"}},
    "fields": {
        "UF_CRM_1": "requirements",
        "UF_CRM_2": "rop_id",
        "UF_CRM_3": "delivery_method",
        "UF_CRM_4": "segment",
        "UF_CRM_5": "subject",
    },
    "lists": {"UF_CRM_3": {"45": {"name": "Самовывоз", "to": "pickup"}}},
}
DEAL: dict[str, Any] = {
    "ID": "5",
    "TITLE": "Сделка",
    "STAGE_ID": "PREP",
    "CONTACT_ID": "1",
    "COMPANY_ID": "3",
    "OPPORTUNITY": "10.50",
    "DATE_CREATE": "2026-03-01T10:00:00+03:00",
    "DATE_MODIFY": "2026-03-02T10:00:00+03:00",
    "UF_CRM_1": "20 коробок",
    "UF_CRM_2": "9",
    "UF_CRM_3": "45",
    "UF_CRM_4": "опт",
    "UF_CRM_5": "коробки",
}
CONTACTS = {"1": {"NAME": "Ян", "PHONE": [{"VALUE": "+79001112233"}]}}
COMPANIES = {"3": {"TITLE": "ООО Коробки"}}


def test_a_filled_deal_clears_nothing() -> None:
    values, cleared = carried(DEAL, CONTACTS["1"], MAPPING, COMPANIES)
    assert values == {
        "requirements": "20 коробок", "rop_id": "rop-1", "delivery_method": "pickup",
        "segment": "опт", "subject": "коробки", "title": "Сделка", "company": "ООО Коробки",
        "amount": "10.50",
    }  # fmt: skip
    assert cleared == []


def test_a_covered_field_empty_there_is_cleared_one_not_sent_is_not() -> None:
    emptied = {**DEAL, "TITLE": "", "COMPANY_ID": "0", "UF_CRM_1": None, "UF_CRM_3": ""}
    emptied |= {"UF_CRM_4": "  ", "UF_CRM_2": None}
    del emptied["OPPORTUNITY"], emptied["UF_CRM_5"]  # not in the row: not known to be empty
    values, cleared = carried(emptied, CONTACTS["1"], MAPPING, COMPANIES)
    assert values == {}
    # the РОП is not unassigned by an empty field there, nor the contact by a deal's field
    assert cleared == ["company", "delivery_method", "requirements", "title"]
    cmd = import_of(emptied, CONTACTS, [], MAPPING, "rop-1", COMPANIES)
    assert cmd.cleared == cleared and cmd.title is None and cmd.contact.segment is None
    assert cmd.subject is None and "subject" not in cmd.cleared


def test_two_fields_mapped_to_one_clear_it_only_when_both_are_empty() -> None:
    mapping = {**MAPPING, "fields": {**MAPPING["fields"], "UF_CRM_6": "requirements"}}
    one = {**DEAL, "UF_CRM_1": "", "UF_CRM_6": "30 коробок"}
    values, cleared = carried(one, {}, mapping, COMPANIES)
    assert values["requirements"] == "30 коробок" and "requirements" not in cleared
    both = {**DEAL, "UF_CRM_1": "", "UF_CRM_6": None}
    assert "requirements" in carried(both, {}, mapping, COMPANIES)[1]


def test_an_empty_list_field_is_empty_not_the_word_none() -> None:
    assert listed_value(MAPPING, "UF_CRM_3", None) is None
    assert listed_value(MAPPING, "UF_CRM_3", []) == []
    assert listed_value(MAPPING, "UF_CRM_3", ["45", None]) == "pickup"


def test_the_contacts_own_fields_are_planned_by_their_label_and_list_items() -> None:
    data = portal_data(2)
    fields = data["crm.contact.userfield.list"]
    fields[0]["EDIT_FORM_LABEL"] = {"en": "Segment", "ru": "Сегментация"}  # asked without LANG
    planned = plan(
        load_config(), [], [], data["crm.deal.list"], [], data["crm.contact.list"], fields
    )
    assert planned["contact_fields"] == {"UF_CRM_1800000001": "segment", "UF_CRM_1800000002": None}
    assert planned["contact_lists"] == {
        "UF_CRM_1800000002": {
            "71": {"name": "По счёту", "to": "invoice"},
            "72": {"name": "Картой", "to": None},
        }
    }
    assert "UF_CRM_1800000001" not in planned["fields"]  # the deals' fields are the deals'


def test_a_contacts_own_field_is_carried_before_a_deals_field_mapped_to_the_same() -> None:
    mapping = {
        **MAPPING,
        "contact_fields": {"UF_CRM_C1": "segment", "UF_CRM_C2": "pays_by", "UF_CRM_C3": "subject"},
        "contact_lists": {"UF_CRM_C2": {"71": {"name": "По счёту", "to": "invoice"}}},
    }
    contact = {"NAME": "Ян", "UF_CRM_C1": "розница", "UF_CRM_C2": "71", "UF_CRM_C3": "не наше"}
    values, cleared = carried(DEAL, contact, mapping, COMPANIES)
    assert (values["segment"], values["pays_by"], cleared) == ("розница", "invoice", [])
    assert values["subject"] == "коробки"  # a contact's field maps to a contact's field only
    cmd = import_of(DEAL, {"1": contact}, [], mapping, "rop-1", COMPANIES)
    assert (cmd.contact.segment, cmd.contact.pays_by) == ("розница", "invoice")
    values, cleared = carried(DEAL, {**contact, "UF_CRM_C1": ""}, mapping, COMPANIES)
    assert values["segment"] == "опт" and cleared == []  # the deal's, the contact's empty
    both = carried({**DEAL, "UF_CRM_4": None}, {**contact, "UF_CRM_C1": ""}, mapping, COMPANIES)
    assert both[1] == ["contact.segment"]


def test_the_deals_fields_are_planned_by_their_label_case_and_spaces_aside() -> None:
    userfields: list[dict[str, Any]] = [  # crm.deal.userfield.list, asked with LANG: labels as text
        {"FIELD_NAME": "UF_CRM_1", "EDIT_FORM_LABEL": "Требования"},
        {"FIELD_NAME": "UF_CRM_2", "EDIT_FORM_LABEL": "", "LIST_COLUMN_LABEL": " способ ДОСТАВКИ"},
        {"FIELD_NAME": "UF_CRM_3", "EDIT_FORM_LABEL": {"en": "Subject", "ru": "Предмет сделки"}},
        {"FIELD_NAME": "UF_CRM_4", "EDIT_FORM_LABEL": "Источник заявки"},
        {"FIELD_NAME": "UF_CRM_5", "LIST_FILTER_LABEL": "Комментарий при провале"},
    ]
    deals = [{"ID": "1", **{f"UF_CRM_{i}": "x" for i in range(1, 7)}}]
    contact = [{"ID": "1", "UF_CRM_C": "y"}]
    labelled = [{"FIELD_NAME": "UF_CRM_C", "EDIT_FORM_LABEL": "Требования"}]
    planned = plan(load_config(), [], [], deals, userfields, contact, labelled)
    assert planned["fields"] == {
        "UF_CRM_1": "requirements",
        "UF_CRM_2": "delivery_method",
        "UF_CRM_3": "subject",
        "UF_CRM_4": None,  # not one of our names
        "UF_CRM_5": "failure_comment",
        "UF_CRM_6": None,  # no label known
    }
    assert planned["contact_fields"] == {"UF_CRM_C": None}  # our contact has no Требования
