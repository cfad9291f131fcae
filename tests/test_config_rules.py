"""The configuration's look-ups: stages, field names, required fields per move, task titles."""

from __future__ import annotations

import copy
from types import SimpleNamespace
from typing import Any

import pytest

from crm_shared.config import (
    FIELD_DISPLAY_NAMES,
    REQUIRED_FIELD_NAMES,
    CrmConfig,
    UnknownStage,
    render_task_title,
    render_template,
)
from tests.configs import FINAL, SPEC_PIPELINE

BASIC_MOVE = ["contact", "requirements"]
OFFER_FIELDS = ["amount", "currency", "subject", "delivery_method"]
PRO_FIELDS = ["contact.phone", "contact.name"]


# --- look-ups ---------------------------------------------------------------------------------


def test_stage_lookups(config: CrmConfig) -> None:
    assert config.stage_codes == tuple(row[0] for row in SPEC_PIPELINE)
    assert config.index("NEW_LEAD") == 0
    assert config.index("LOST_OTHER") == 12
    assert config.stage_or_none("NOPE") is None
    assert config.stage_or_none("WON") is config.success_stage
    with pytest.raises(KeyError):
        config.stage("NOPE")
    with pytest.raises(UnknownStage, match="unknown stage 'NOPE'"):
        config.index("NOPE")
    assert [code for code in config.stage_codes if config.is_final(code)] == FINAL
    user = config.user_or_none("mgr-2")
    assert user is not None and user.name == "Мария Смирнова"
    assert config.user_or_none("nobody") is None


def test_field_display_names(config: CrmConfig) -> None:
    assert set(FIELD_DISPLAY_NAMES) == {
        *REQUIRED_FIELD_NAMES,
        "failure_comment",
        "contact_attempts",
    }
    assert FIELD_DISPLAY_NAMES["subject"] == "Предмет сделки"
    assert FIELD_DISPLAY_NAMES["failure_comment"] == "Комментарий при провале"
    assert config.deal_field_display_names == FIELD_DISPLAY_NAMES


# --- task titles ----------------------------------------------------------------------------

PAY = "{{Контакт: Имя}}. Получить оплату по счету"


@pytest.mark.parametrize(
    ("deal", "title"),
    [
        ({"contact": {"name": "Олег Сидоров"}}, "Олег Сидоров. Получить оплату по счету"),
        ({"contact": {"name": ""}}, "Получить оплату по счету"),
        ({"contact": {"name": None}}, "Получить оплату по счету"),
        ({"contact": None}, "Получить оплату по счету"),
        ({}, "Получить оплату по счету"),
        (SimpleNamespace(contact=SimpleNamespace(name="Олег")), "Олег. Получить оплату по счету"),
    ],
)
def test_render_task_title(deal: Any, title: str) -> None:
    assert render_task_title(PAY, deal) == title


def test_render_other_placeholders() -> None:
    deal = {
        "id": "d-1",
        "title": "Поставка",
        "amount": "15000.00",
        "currency": "RUB",
        "subject": "Кофемашина",
        "delivery_method": "pickup",
        "contact": {"name": "Олег", "phone": "+79990000000", "email": "oleg@example.ru"},
    }
    template = (
        "{{Сделка: Название}}: {{Сделка: Предмет сделки}} на {{Сделка: Сумма}} {{currency}}, "
        "{{Контакт: Телефон}}, {{Контакт: E-mail}}, {{contact.name}}, {{Сделка: Способ доставки}}"
    )
    assert render_task_title(template, deal) == (
        "Поставка: Кофемашина на 15000.00 RUB, +79990000000, oleg@example.ru, Олег, Самовывоз"
    )
    assert render_template("{{ контакт:имя }} / {{contact.missing}}", deal) == "Олег / "


def test_render_keeps_deliberate_leading_text() -> None:
    assert render_task_title("Позвонить: {{Контакт: Имя}}", {}) == "Позвонить:"
    assert render_task_title("{{Контакт: Имя}} {{Контакт: Телефон}}. Позвонить", {}) == "Позвонить"


def test_default_titles_render(config: CrmConfig) -> None:
    deal = {"contact": {"name": "Олег"}}
    titles = [render_task_title(s.task.title, deal) for s in config.stages if s.task]
    assert titles[0].startswith("Взять в работу")
    assert all(t.startswith("Олег. ") for t in titles[1:])


def test_config_objects_are_copyable(config: CrmConfig) -> None:
    # Services hand the config to tests and workers; it must survive copies unchanged.
    assert copy.deepcopy(config) == config
    assert CrmConfig.model_validate(config.model_dump()) == config
