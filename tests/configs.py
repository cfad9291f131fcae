"""Variants of the shipped configuration for tests (plan, deadlines, channels)."""

from __future__ import annotations

import base64
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from crm_shared.config import CrmConfig, config_from_data, loads_config

HOUR, DAY = 3600, 86400

# The seed funnel as SPEC §1 gives it, row by row: code, display name, kind, task title
# template, deadline in seconds. The three failure stages that need a comment are named as
# the seed writes them, «(с комментарием)» included.
SPEC_PIPELINE = [
    ("NEW_LEAD", "Новый лид", "active",
     "Взять в работу новый лид и принять решение о дальнейшем сотрудничестве", HOUR),
    ("PROCESSING", "Обрабатываем запрос", "active",
     "{{Контакт: Имя}}. Уточнить необходимую информацию и сделать КП", DAY),
    ("OFFER_MADE", "Сделали предложение", "active",
     "{{Контакт: Имя}}. Получить ответ на КП", 2 * DAY),
    ("ANSWER_RECEIVED", "Получили ответ", "active",
     "{{Контакт: Имя}}. Отправить счет на оплату", DAY),
    ("INVOICE_SENT", "Отправили счёт", "active",
     "{{Контакт: Имя}}. Получить оплату по счету", 3 * DAY),
    ("PAYMENT_RECEIVED", "Получили оплату", "active",
     "{{Контакт: Имя}}. Собрать заказ и отправить/выдать клиенту", 2 * DAY),
    ("ORDER_SHIPPED", "Отправили заказ", "active",
     "{{Контакт: Имя}}. Убедиться, что клиент получил заказ", 7 * DAY),
    ("WON", "Клиент получил заказ", "success", None, None),
    ("LOST_SPAM", "Спам", "failure", None, None),
    ("LOST_NOT_FIT", "Не подошёл по портрету (с комментарием)", "failure", None, None),
    ("LOST_NO_CONTACT", "Перестал выходить на связь", "failure", None, None),
    ("LOST_EXPENSIVE", "Дорого (с комментарием)", "failure", None, None),
    ("LOST_OTHER", "Другое (с комментарием)", "failure", None, None),
]  # fmt: skip
ACTIVE = [code for code, _, kind, _, _ in SPEC_PIPELINE if kind == "active"]
FINAL = [code for code, _, kind, _, _ in SPEC_PIPELINE if kind != "active"]


def _shipped_text() -> str:
    return resources.files("crm_shared").joinpath("default_config.yaml").read_text("utf-8")


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: a tenth of the time


def shipped_config() -> CrmConfig:
    """The shipped default configuration, loaded as a service loads it."""
    return loads_config(_shipped_text(), source="default_config.yaml")


def default_data() -> dict[str, Any]:
    """The shipped default configuration as plain data, to be modified by a test."""
    data: dict[str, Any] = yaml.load(_shipped_text(), Loader=_LOADER)
    return data


def config_with(
    plan: str | None = None, change: Callable[[dict[str, Any]], None] | None = None
) -> CrmConfig:
    """The default configuration on another plan, optionally changed further."""
    data = default_data()
    if plan is not None:
        data["plan"] = plan
    if change is not None:
        change(data)
    return config_from_data(data, source=f"test config ({plan})")


def write(tmp_path: Path, data: Any) -> Path:
    """`data` as a configuration file in `tmp_path`."""
    path = tmp_path / "crm.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    return path


def stage_data(data: dict[str, Any], code: str) -> dict[str, Any]:
    """The stage `code` in configuration data."""
    return next(s for s in data["pipeline"]["stages"] if s["code"] == code)


def whsec(size: int = 32) -> str:
    """A Standard Webhooks secret of `size` bytes."""
    return "whsec_" + base64.b64encode(bytes(range(size))).decode()
