"""Bitrix24's REST encoding on the gateway: pure functions, no servers."""

from __future__ import annotations

import pytest

from gateway.domain import bitrix24, intake
from gateway.domain.bitrix24 import B24Error


def test_json_parameters_flatten_to_the_pairs_a_form_carries() -> None:
    body = {"fields": {"NAME": "Глеб", "PHONE": [{"VALUE": "1", "VALUE_TYPE": "WORK"}]}, "x": True}
    assert bitrix24.flatten(body) == [
        ("fields[NAME]", "Глеб"),
        ("fields[PHONE][0][VALUE]", "1"),
        ("fields[PHONE][0][VALUE_TYPE]", "WORK"),
        ("x", "Y"),
    ]


def test_method_names_are_read_as_bitrix24_reads_them() -> None:
    assert bitrix24.method_name("CRM.Lead.Add.json") == "crm.lead.add"
    assert bitrix24.method_name("batch") == "batch"


def test_a_batch_is_read_with_halt_and_its_commands_queries() -> None:
    pairs = [("halt", "1"), ("cmd[a]", "crm.lead.add?fields%5BNAME%5D=%D0%AF&fields[TITLE]=t")]
    halt, [command] = bitrix24.batch_commands(pairs)
    assert halt and command.key == "a" and command.method == "crm.lead.add"
    assert command.pairs == [("fields[NAME]", "Я"), ("fields[TITLE]", "t")]
    with pytest.raises(B24Error) as empty:
        bitrix24.batch_commands([("halt", "0")])
    assert empty.value.status == 400
    many = [(f"cmd[{i}]", "crm.lead.add") for i in range(51)]
    with pytest.raises(B24Error, match="50") as long:
        bitrix24.batch_commands(many)
    assert long.value.code == "ERROR_BATCH_LENGTH_EXCEEDED"


def test_batch_maps_are_written_as_php_writes_them() -> None:
    assert bitrix24.keyed({}) == []
    assert bitrix24.keyed({"0": 5, "1": 6}) == [5, 6]
    assert bitrix24.keyed({"a": 5}) == {"a": 5}


def test_the_same_fields_in_any_order_are_the_same_lead() -> None:
    a = [("fields[NAME]", "x"), ("fields[TITLE]", "y"), ("start", "0")]
    b = [("fields[TITLE]", "y"), ("fields[NAME]", "x")]
    assert bitrix24.lead_digest("crm.lead.add", a) == bitrix24.lead_digest("crm.lead.add", b)
    assert bitrix24.lead_digest("crm.lead.add", a) != bitrix24.lead_digest("crm.contact.add", a)


def test_a_contact_has_no_title_and_uf_fields_are_left_out() -> None:
    pairs = [
        ("fields[TITLE]", "Заголовок"),
        ("fields[NAME]", "Вера"),
        ("fields[SECOND_NAME]", "Павловна"),
        ("fields[UF_CRM_1700000000]", "что-то"),
        ("fields[phone][0][value]", "+79120001122"),
    ]
    contact = intake.from_bitrix24(pairs, "contact")
    assert contact["title"] is None and contact["contact"]["name"] == "Вера Павловна"
    assert contact["contact"]["phone"] == "+79120001122"
    assert intake.from_bitrix24(pairs)["title"] == "Заголовок"


def test_the_time_block_is_utc() -> None:
    block = bitrix24.timing(1_700_000_000.0, 1_700_000_000.5)
    assert block["date_start"] == "2023-11-14T22:13:20+00:00" and block["duration"] == 0.5
