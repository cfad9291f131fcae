"""The configuration: the packaged seed funnel and durations.

Bad files and their messages: test_config_files.py; rule look-ups and task titles:
test_config_rules.py.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from crm_shared.config import (
    BusChannel,
    CrmConfig,
    Rules,
    format_duration,
    load_config,
    parse_duration,
)
from tests.configs import ACTIVE, DAY, FINAL, HOUR, SPEC_PIPELINE, stage_data, write

# --- the packaged default is the seed's funnel ----------------------------------------------


def test_default_pipeline_matches_spec_table(config: CrmConfig) -> None:
    got = [
        (s.code, s.name, s.kind, s.task.title if s.task else None, s.deadline_seconds)
        for s in config.stages
    ]
    assert got == SPEC_PIPELINE


def test_default_stage_details(config: CrmConfig) -> None:
    commented = {s.code for s in config.stages if s.comment_required}
    assert commented == {"LOST_NOT_FIT", "LOST_EXPENSIVE", "LOST_OTHER"}
    assert config.entry_stage.code == "NEW_LEAD"
    assert config.success_stage.code == "WON"
    assert [s.code for s in config.failure_stages] == FINAL[1:]
    for code in ACTIVE:
        task = config.stage(code).task
        assert task is not None
        assert "Условия перехода в эту стадию" in task.description
        assert "Условия провала сделки на этой стадии" in task.description


def test_payment_received_shows_the_checklist_of_the_deals_method_only(
    config: CrmConfig,
) -> None:
    task = config.stage("PAYMENT_RECEIVED").task
    assert task is not None
    delivery, pickup, unknown = (task.description_for(m) for m in ("delivery", "pickup", None))
    for text in (delivery, unknown):
        assert "В случае, если клиент выбрал доставку заказа" in text
        assert "Проконтролируйте, чтобы транспортная служба взяла посылку в работу" in text
        assert "Переведите сделку на стадию «Отправили заказ»" in text
    for text in (pickup, unknown):
        assert "В случае, если клиент выбрал самовывоз заказа" in text
        assert "Сообщите о том, что заказ скомплектован, готов к самовывозу" in text
        assert "Переведите сделку на стадию «Клиент получил заказ»" in text
    assert "самовывоз заказа" not in delivery and "транспортная служба" not in pickup
    for text in (delivery, pickup):
        assert text.startswith(task.description.strip())  # the stage's own text comes first
        # The seed's ads and screenshot references are not part of the instructions.
        assert "скидк" not in text.lower()
        assert "Тинькофф" not in text


def test_the_failure_stages_that_need_a_comment_say_so_as_the_seed_does(
    config: CrmConfig,
) -> None:
    named = {s.code: s.name for s in config.failure_stages if s.comment_required}
    assert named == {
        "LOST_NOT_FIT": "Не подошёл по портрету (с комментарием)",
        "LOST_EXPENSIVE": "Дорого (с комментарием)",
        "LOST_OTHER": "Другое (с комментарием)",
    }


def test_default_organisation(config: CrmConfig) -> None:
    assert config.plan == "standard"
    assert config.default_rop == "rop-1"
    assert [(u.id, u.name, u.role) for u in config.users] == [
        ("rop-1", "Анна Петрова", "rop"),
        ("mgr-1", "Иван Иванов", "manager"),
        ("mgr-2", "Мария Смирнова", "manager"),
    ]
    assert all(u.channels == (BusChannel(),) for u in config.users)
    assert config.lead_assignment.mode == "round_robin"
    assert [u.id for u in config.managers] == ["mgr-1", "mgr-2"]


def test_default_rules_are_spec_rules(config: CrmConfig) -> None:
    rules = config.pipeline.rules
    assert rules == Rules()  # the file spells out the model's defaults
    assert rules.contact_attempts is not None
    assert (rules.contact_attempts.stage, rules.contact_attempts.required) == ("LOST_NO_CONTACT", 3)
    assert rules.contact_attempts.rop_must_agree is True
    assert rules.delivery is not None
    assert (rules.delivery.stage, rules.delivery.method) == ("ORDER_SHIPPED", "delivery")
    assert rules.rop_task.title == "Укажите руководителя отдела продаж"
    assert rules.rop_task.deadline == timedelta(hours=1)


def test_load_config_sources(
    tmp_path: Path, default_data: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CRM_CONFIG", raising=False)
    assert load_config().plan == "standard"  # the packaged default

    default_data["plan"] = "professional"
    monkeypatch.setenv("CRM_CONFIG", str(write(tmp_path, default_data)))
    assert load_config().plan == "professional"

    other = tmp_path / "other.yaml"
    other.write_text(
        (tmp_path / "crm.yaml").read_text("utf-8").replace("professional", "basic"), "utf-8"
    )
    assert load_config(other).plan == "basic"  # an explicit path beats the environment
    assert load_config(str(other)).plan == "basic"


def test_config_is_frozen(config: CrmConfig) -> None:
    with pytest.raises(ValidationError):
        config.plan = "free"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        config.stage("NEW_LEAD").deadline = None  # type: ignore[misc]


# --- durations ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        (3600, HOUR),
        ("3600", HOUR),
        ("PT1H", HOUR),
        ("P1D", DAY),
        ("P2D", 2 * DAY),
        ("P7D", 7 * DAY),
        ("PT30M", 1800),
        ("PT45S", 45),
        ("P1DT6H30M", DAY + 6 * HOUR + 1800),
        ("P1W", 7 * DAY),
        ("pt1h", HOUR),
        (timedelta(minutes=5), 300),
    ],
)
def test_parse_duration(value: object, seconds: int) -> None:
    assert parse_duration(value) == timedelta(seconds=seconds)


@pytest.mark.parametrize("value", ["P1M", "P1Y", "P", "PT", "P1DT", "1h", "", 1.5, True, None])
def test_parse_duration_refuses(value: object) -> None:
    with pytest.raises(ValueError, match=r"длительность|секунды"):
        parse_duration(value)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(HOUR, "PT1H"), (DAY, "P1D"), (2 * DAY, "P2D"), (DAY + 90, "P1DT1M30S"), (0, "PT0S")],
)
def test_format_duration(seconds: int, text: str) -> None:
    assert format_duration(timedelta(seconds=seconds)) == text
    assert parse_duration(text) == timedelta(seconds=seconds)


def test_integer_and_iso_deadlines_in_a_file(tmp_path: Path, default_data: dict[str, Any]) -> None:
    stage_data(default_data, "PROCESSING")["deadline"] = 5400
    stage_data(default_data, "OFFER_MADE")["deadline"] = "P1DT12H"
    config = load_config(write(tmp_path, default_data))
    assert config.stage("PROCESSING").deadline == timedelta(minutes=90)
    assert config.stage("OFFER_MADE").deadline_seconds == DAY + 12 * HOUR
    assert config.model_dump(mode="json")["pipeline"]["stages"][1]["deadline"] == "PT1H30M"
