"""Task title templates with the seed's Bitrix24-style placeholders.

A template is text with placeholders in double braces. Two spellings are understood:

- the seed's Russian labels, `{{Контакт: Имя}}`, `{{Контакт: Телефон}}`, `{{Контакт: E-mail}}`,
  `{{Сделка: Название}}`, `{{Сделка: Сумма}}`, `{{Сделка: Предмет сделки}}` and a few more
  (see `RUSSIAN_PLACEHOLDERS`);
- a plain dotted path into the deal as published in events (SPEC §5): `{{contact.name}}`,
  `{{subject}}`, `{{amount}}`.

A missing value renders as an empty string.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import Enum
from typing import Any, Final

__all__ = [
    "RUSSIAN_PLACEHOLDERS",
    "render_task_title",
    "render_template",
    "template_problems",
]

_PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_DOTTED_PATH = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")

RUSSIAN_PLACEHOLDERS: Final[dict[str, str]] = {
    "Контакт: Имя": "contact.name",
    "Контакт: Телефон": "contact.phone",
    "Контакт: E-mail": "contact.email",
    "Контакт: Как платит": "contact.pays_by",
    "Контакт: Сегментация": "contact.segment",
    "Сделка: Название": "title",
    "Сделка: Сумма": "amount",
    "Сделка: Валюта": "currency",
    "Сделка: Предмет сделки": "subject",
    "Сделка: Требования": "requirements",
    "Сделка: Способ доставки": "delivery_method",
}
"""The seed's `{{Сущность: Поле}}` labels and the deal path each one reads."""

# Labels are matched without regard to case and spacing ("{{контакт:имя}}", "Email") because
# Bitrix24 users type them by hand and a near-miss should not render as an empty string.
_LABEL_KEYS: Final[dict[str, str]] = {
    re.sub(r"[\s-]+", "", label).casefold(): path for label, path in RUSSIAN_PLACEHOLDERS.items()
}

# Russian labels are read by people, so coded values are shown the way the seed names them.
_VALUE_NAMES: Final[dict[str, dict[str, str]]] = {
    "delivery_method": {"delivery": "Доставка", "pickup": "Самовывоз"},
    "contact.pays_by": {"cash": "Наличка", "online": "Онлайн", "invoice": "По счету"},
}

_LEADING_JUNK = re.compile(r"^[\s.,;:!?\u2013\u2014-]+")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([.,;:!?])")
_SPACES = re.compile(r"[ \t]{2,}")


def _resolve(placeholder: str) -> tuple[str, bool] | None:
    """The deal path a placeholder reads and whether it is a Russian label; None if unknown."""
    text = placeholder.strip()
    path = _LABEL_KEYS.get(re.sub(r"[\s-]+", "", text).casefold())
    if path is not None:
        return path, True
    if _DOTTED_PATH.fullmatch(text):
        return text, False
    return None


def template_problems(template: str) -> list[str]:
    """Return what is wrong with a template (unknown placeholders, stray braces); [] if fine.

    Used when the configuration is loaded, so that a misspelt placeholder is refused then
    rather than silently rendering as an empty string in every task.
    """
    problems = [
        f"неизвестная подстановка {match.group(0)!r} (допустимы "
        f"{', '.join('{{' + label + '}}' for label in RUSSIAN_PLACEHOLDERS)}, "
        "или путь к полю сделки, например {{contact.name}})"
        for match in _PLACEHOLDER.finditer(template)
        if _resolve(match.group(1)) is None
    ]
    rest = _PLACEHOLDER.sub("", template)
    if "{{" in rest or "}}" in rest:
        problems.append("в шаблоне непарные '{{' / '}}'")
    return problems


def _lookup(deal: Any, path: str) -> Any:
    value = deal
    for key in path.split("."):
        if value is None:
            return None
        # Deals arrive as JSON dicts from the bus or as pydantic models inside a service.
        value = value.get(key) if isinstance(value, Mapping) else getattr(value, key, None)
    return value


def _as_text(value: Any, path: str, russian: bool) -> str:
    if value is None or isinstance(value, Mapping):
        return ""
    if isinstance(value, Enum):
        value = value.value
    text = str(value)
    if russian:
        text = _VALUE_NAMES.get(path, {}).get(text, text)
    return text


def render_template(template: str, deal: Mapping[str, Any]) -> str:
    """Fill a template's placeholders from a deal (a SPEC §5 deal dict, or a deal model).

    Unknown placeholders and missing values render as empty strings.
    """

    def fill(match: re.Match[str]) -> str:
        resolved = _resolve(match.group(1))
        if resolved is None:
            return ""
        path, russian = resolved
        return _as_text(_lookup(deal, path), path, russian)

    return _PLACEHOLDER.sub(fill, template)


def render_task_title(template: str, deal: Mapping[str, Any]) -> str:
    """Render a task title template for a deal, as `render_template` does, then tidy it.

    With the contact's name unknown, «{{Контакт: Имя}}. Получить оплату по счету» would read
    ". Получить оплату по счету"; the punctuation and spaces that an empty value leaves at the
    start, doubled, or before a punctuation mark are removed.
    """
    title = render_template(template, deal)
    title = _SPACES.sub(" ", title)
    title = _SPACE_BEFORE_PUNCT.sub(r"\1", title)
    # Only a template that opens with a placeholder can have junk at the start that the
    # operator did not write; leave deliberate leading punctuation alone.
    if template.lstrip().startswith("{{"):
        title = _LEADING_JUNK.sub("", title)
    return title.strip()
