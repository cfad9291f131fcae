"""The one catalogue of what people read when something is refused: a code and its params in,
a Russian sentence out. The board, the notices and the CLI all say it from here.

A service answers `{"code", "message", "params", "missing_fields"}`: `message` is English for
logs and programs and never reaches a person; `params` name the case (`reason`) and what the
sentence needs (`stage`, `method`, `source`, ...). A code or a reason this catalogue does not
know gets the code's sentence, and an unknown code the general one, never the English.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from crm_shared.config.pipeline import FIELD_DISPLAY_NAMES

GENERAL = "Не получилось выполнить действие. Попробуйте ещё раз."
ATTEMPTS = "Неудачных попыток связаться с клиентом на этой стадии: {}, а нужно {}."
"""A move to «Перестал выходить на связь» before enough attempts (rule 6): not a field."""
MOVE_GENERAL = "Переход отклонён правилами CRM."
"""The general sentence of a refused move (a notice that says why a move failed)."""

SENTENCES: dict[str, str] = {
    "invalid": "Запрос не принят: проверьте введённые данные.",
    "invalid.form": "Проверьте поля: {problems}.",
    "invalid.unknown_stage": "Такой стадии нет в воронке.",
    "invalid.not_role": "Этот пользователь не может быть выбран здесь.",
    "invalid.empty_comment": "Комментарий пуст: напишите текст.",
    "invalid.period": "Период задан неверно: {problems}.",
    "invalid.told": "{told}",
    "invalid.past_deadline": "Этот срок уже прошёл: выберите время позже нынешнего.",
    "invalid.config": "Конфигурация не принята: {problems}.",
    "not_found": "Не найдено: возможно, это уже удалили.",
    "not_found.deal": "Сделка не найдена.",
    "not_found.contact": "Контакт не найден.",
    "not_found.user": "Такого пользователя нет в настройках CRM.",
    "not_found.task": "Задача не найдена.",
    "forbidden": "Это действие вам не разрешено.",
    "forbidden.not_own": "Эту сделку ведёт другой менеджер: открыть и менять её может он или РОП.",
    "forbidden.reassign": "Ответственного за сделку меняет только РОП.",
    "forbidden.replace_rop": "РОП сделки меняет только РОП.",
    "forbidden.others_deals": "Вам видны только ваши сделки.",
    "forbidden.others_tasks": "Вам видны только ваши задачи.",
    "forbidden.not_responsible": "Эта задача не ваша: выполнить её может ответственный.",
    "forbidden.board": "Доска — для сотрудников; войдите под своим именем.",
    "missing_fields": "Не заполнены обязательные поля: {fields}.",
    "missing_fields.kept": (
        "На стадии «{stage}» эти поля обязательны, их нельзя очистить: {fields}."
    ),
    "missing_fields.shared": (
        "Контакт общий с другой открытой сделкой, которой нужны эти поля, их нельзя очистить: "
        "{fields}."
    ),
    "transition_not_allowed": "Такой переход не разрешён правилами воронки.",
    "transition_not_allowed.already": "Сделка уже в стадии «{stage}».",
    "transition_not_allowed.closed": (
        "Сделка закрыта в стадии «{stage}»: закрытая сделка больше не переходит."
    ),
    "transition_not_allowed.delivery_only": (
        "В стадию «{stage}» переходят только сделки с доставкой, а у этой: {method}."
    ),
    "transition_not_allowed.success_from": (
        "Сделка со способом доставки «{method}» выигрывается только из стадии «{source}»."
    ),
    "transition_not_allowed.task_closed": "Задача уже закрыта.",
    "rop_approval_required": "Перевести сделку в «{stage}» можно только с согласия РОП. {asked}",
    "version_conflict": "Сделку только что изменил кто-то другой: обновите страницу и повторите.",
    "conflict": "Такое уже есть.",
    "in_flight": "Это действие ещё выполняется: подождите немного.",
    "idempotency_key_reused": "Этот запрос уже отправлялся с другими данными: обновите страницу.",
    "too_large": "Слишком много данных в одном запросе.",
    "unavailable": "Сервис сейчас не отвечает. Попробуйте ещё раз через минуту.",
    "internal": "На сервере что-то пошло не так. Попробуйте ещё раз; если не выйдет — "
    "сообщите администратору.",
    "unauthenticated": "Войдите снова: сессия закончилась.",
    "unauthenticated.password": "Неверный пользователь или пароль.",
    "unauthenticated.token": "Токен неизвестен или отозван: нужен действующий токен.",
    "csrf": "Страница устарела: обновите её и повторите.",
    "too_many_requests": "Слишком много запросов. Повторите через {retry_after} с.",
    "too_many_requests.signin": (
        "Слишком много неудачных попыток входа. Повторите через {retry_after} с."
    ),
    "invalid.password_short": "Пароль — не короче 8 символов.",
    "invalid.token_format": "Формат токена — один из: {formats}.",
    "invalid.scopes": "Неизвестное право доступа; права: {scopes}.",
    "csrf.origin": "Вход отклонён: форма отправлена не со страницы этого сайта.",
    # The command line's own refusals (crm_cli): the bus and what was typed.
    "invalid.no_actor": (
        "Кто действует? Укажите --as ПОЛЬЗОВАТЕЛЬ (или CRM_ACTOR): команды выполняются от его "
        "имени, а запросы показывают то, что ему видно."
    ),
    "invalid.ambiguous": "Начало id «{given}» подходит нескольким: {ids}. Введите id длиннее.",
    "not_found.prefix": "Нет {kind} с id, который начинается на «{given}».",
    "unauthenticated.nats": (
        "NATS ({url}) не принял пользователя и пароль: дайте адрес с паролем crm-cli, "
        "как его печатает `make run` (--nats или CRM_NATS_URL)."
    ),
    "unavailable.nats": (
        "Нет связи с NATS ({url}): система запущена (`make run`)? Другой сервер — через "
        "--nats или CRM_NATS_URL."
    ),
    "unavailable.no_responders": "Никто не отвечает: запущен ли {service} (`make run`)?",
    "unavailable.timeout": "{service} не ответил за {seconds} с.",
    "unavailable.no_stream": "Нет потока для {subject}: система запущена?",
}
"""Sentences by `code` or `code.reason`; `{name}` is a param (stage codes become names)."""

ASKED = {
    "rop": "Запрос отправлен РОП сделки — он согласует его на своей странице.",
    "default_rop": "Запрос отправлен РОП — он согласует его на своей странице.",
    "every_rop": "У сделки нет РОП: запрос отправлен всем РОП.",
    "nobody": "У сделки нет РОП, и в CRM нет ни одного РОП: согласовать некому.",
}
"""Whom a refused move asked to agree (`rop_approval_required`'s `asked`)."""

METHODS = {"delivery": "доставка", "pickup": "самовывоз", "": "способ доставки не указан"}
_STAGE_PARAMS = ("stage", "source", "from_stage")


SOURCES = {
    "manual": "вручную",
    "site": "сайт",
    "phone": "телефон",
    "email": "e-mail",
    "marketplace": "маркетплейс",
    "cli": "командная строка",
    "bitrix24": "Битрикс24",  # `crm import bitrix24`'s deals
}
"""The lead sources of the shipped configuration as people say them; an operator's own source
is a system's name (Avito, 1C) and is shown as configured."""


def source_name(code: str | None) -> str:
    """«сайт» for `site`; a configured source of one's own as it is; none → «—»."""
    return SOURCES.get(code or "", code or "—")


DEAL_FIELD_NAMES: dict[str, str] = {
    **FIELD_DISPLAY_NAMES,
    "title": "Название",
    "company": "Компания",
    "responsible_id": "Ответственный",
    "rop_id": "РОП",
    "contact.email": "E-mail контакта",
    "source": "Источник",
}
"""Every field of a deal a person may change or be told of, by its Russian name."""
STORY_FIELD_NAMES: dict[str, str] = {
    **DEAL_FIELD_NAMES,
    "contact.pays_by": "Как платит",
    "contact.segment": "Сегментация",
}
"""Every field a deal's story may say was changed (`field_changed`), by its Russian name."""


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "—"


def field_names(names: Iterable[str], display: Mapping[str, str] = DEAL_FIELD_NAMES) -> str:
    """Missing field codes as people read them: «Сумма, Предмет сделки»."""
    return ", ".join(display.get(name, name) for name in names)


def say(
    error: Mapping[str, Any] | None,
    stages: Mapping[str, str] | None = None,
    general: str = GENERAL,
) -> str:
    """The Russian sentence for a refusal (`code`, `params`, `missing_fields`); `stages` are
    the stages' names by code; `general` is said for a code the catalogue does not know."""
    if not error:
        return general
    code = str(error.get("code") or "")
    missing = list(error.get("missing_fields") or [])
    if code == "missing_fields" and "contact_attempts" in missing:  # not a field: attempts
        got = dict(error.get("params") or {})
        tried = ATTEMPTS.format(got.get("attempts") or "—", got.get("required") or "—")
        rest = [name for name in missing if name != "contact_attempts"]
        return (
            f"{say({**error, 'missing_fields': rest}, stages, general)} {tried}" if rest else tried
        )
    top = {k: v for k, v in error.items() if isinstance(v, str | int | float) and k != "message"}
    raw = top | dict(error.get("params") or {})
    params = {k: "" if v is None else str(v) for k, v in raw.items()}
    reason = params.get("reason", "")
    template = SENTENCES.get(f"{code}.{reason}") or SENTENCES.get(code)
    if template is None:
        return general
    values = dict(params)
    for key in _STAGE_PARAMS:
        if key in values:
            values[key] = (stages or {}).get(values[key], values[key])
    values["method"] = METHODS.get(params.get("method", ""), params.get("method", ""))
    values["asked"] = ASKED.get(params.get("asked", ""), "")
    values["fields"] = field_names(error.get("missing_fields") or [])
    said = template.format_map(_Blank(values)).strip()
    return said[:1].upper() + said[1:]  # a sentence the gateway words itself (`told`) too


RULES = {
    "missing_fields:contact_attempts": "Недостаточно попыток связаться с клиентом",  # a count
    "missing_fields": "Не заполнено поле «{field}»",
    "rop_approval_required": "Нужно согласие РОП",
    "unknown_stage": "Стадии нет в новой воронке",
    "transition_not_allowed:delivery_only": "Стадия только для сделок с доставкой",
    "transition_not_allowed:success_from": "Успех — только из положенной стадии",
    "transition_not_allowed:closed": "Закрытая сделка не переходит",
    "transition_not_allowed:already": "Сделка уже в этой стадии",
}
"""The rules a dry run of a rule change counts refusals under (`crm rules try`'s keys:
`missing_fields:<field>`, `<code>:<reason>`), as people name them."""


def rule_name(key: str | None) -> str:
    """«Не заполнено поле «Сумма»» for `missing_fields:amount`; a key this catalogue does not
    know gets its code's sentence."""
    code, _, detail = (key or "").partition(":")
    if code == "missing_fields" and key not in RULES:
        return RULES[code].format(field=FIELD_DISPLAY_NAMES.get(detail, detail))
    found = RULES.get(key or "") or RULES.get(code)
    return found or say({"code": code, "params": {"reason": detail}} if detail else {"code": code})


_PROBLEMS = {
    "missing": "заполните",
    "string_too_short": "заполните",
    "string_too_long": "слишком длинно: не больше {max_length} символов",
    "decimal_parsing": "нужно число",
    "decimal_type": "нужно число",
    "float_parsing": "нужно число",
    "finite_number": "нужно число",
    "int_parsing": "нужно целое число",
    "decimal_max_digits": "слишком большое число",
    "decimal_max_places": "слишком много знаков после запятой",
    "decimal_whole_digits": "слишком большое число",
    "greater_than_equal": "не может быть меньше {ge}",
    "greater_than": "должно быть больше {gt}",
    "less_than_equal": "не может быть больше {le}",
    "literal_error": "выберите значение из списка",
    "enum": "выберите значение из списка",
    "extra_forbidden": "такого поля нет",
    "json_invalid": "не читается как JSON",
    "model_type": "нужен объект JSON",
    "model_attributes_type": "нужен объект JSON",
    "dict_type": "нужен объект JSON",
    "string_type": "нужен текст",
    "int_type": "нужно целое число",
    "int_from_float": "нужно целое число",
    "bool_type": "нужно true или false",
    "bool_parsing": "нужно true или false",
    "list_type": "нужен список",
    "too_long": "слишком много значений",
    "too_short": "слишком мало значений",
}
_FORM_NAMES = {
    **STORY_FIELD_NAMES,
    "contact.email": "E-mail",
    "text": "Комментарий",
    "note": "Заметка",
    "from": "Начало периода",
    "to": "Конец периода",
    "contact_id": "Контакт",
    "actor_id": "Пользователь",
    "to_stage": "Стадия",
    "expected_version": "Версия сделки",
}
_RFC_3339 = "нужна дата (ГГГГ-ММ-ДД) или время RFC 3339"
_HINTS = {
    "from": _RFC_3339,
    "to": _RFC_3339,
    "phone": "не похоже на номер телефона",
    "email": "не похоже на e-mail",
    "currency": "нет такой валюты: нужен код ISO 4217 — RUB, USD, KZT",
}
"""What a `value_error` of our own validators means, by the field's last name (its own text
is English, for programs)."""
_PATTERNS = {
    "currency": "код из трёх латинских букв: RUB, USD, KZT",
    "name": "только латинские буквы, цифры и знаки «_», «.», «-»",  # a token's name
}
"""What a field's pattern asks for, by the field's last name."""


def form_problems(errors: Iterable[Mapping[str, Any]]) -> str:
    """Pydantic's errors of a form as a person reads them: «Сумма: нужно число; E-mail: …»."""
    lines = []
    for e in errors:
        loc = ".".join(str(p) for p in e.get("loc", ()) if not str(p).startswith("function-"))
        name = _FORM_NAMES.get(loc.removeprefix("fields."), loc) or "Тело запроса"
        kind = str(e.get("type"))
        last = loc.rsplit(".", 1)[-1]
        hint = _HINTS.get(last) if kind == "value_error" else None
        if kind == "string_pattern_mismatch":
            hint = _PATTERNS.get(last)
        template = hint or _PROBLEMS.get(kind, "значение не подходит")
        lines.append(f"{name}: {template.format_map(_Blank(e.get('ctx') or {}))}")
    return "; ".join(lines)
