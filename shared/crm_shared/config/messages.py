"""What is wrong in a configuration, in Russian: the operator who starts a service reads it.

pydantic's error `type` with its `ctx` becomes a Russian reason (`REASONS`); a type not
listed keeps pydantic's own message, better than nothing. Key paths and values stay as the
file has them: they are the file's words.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = ["KINDS", "REASONS", "os_reason", "reason", "russian_or", "shown", "yaml_problem"]

_NUMBER = "нужно число"
REASONS: dict[str, str] = {
    "missing": "обязательный ключ не указан",
    "extra_forbidden": "неизвестный ключ",
    "string_type": "нужна строка",
    "string_too_short": "нужно не меньше {min_length} симв.",
    "string_too_long": "нужно не больше {max_length} симв.",
    "string_pattern_mismatch": "не подходит под шаблон {pattern}",
    "string_unicode": "нужна строка в UTF-8",
    "int_type": "нужно целое число",
    "int_parsing": "нужно целое число",
    "int_from_float": "нужно целое число, без дробной части",
    "float_type": _NUMBER,
    "float_parsing": _NUMBER,
    "decimal_type": _NUMBER,
    "decimal_parsing": _NUMBER,
    "bool_type": "нужно true или false",
    "bool_parsing": "нужно true или false",
    "literal_error": "допустимые значения: {expected}",
    "enum": "допустимые значения: {expected}",
    "greater_than": "должно быть больше {gt}",
    "greater_than_equal": "должно быть не меньше {ge}",
    "less_than": "должно быть меньше {lt}",
    "less_than_equal": "должно быть не больше {le}",
    "too_short": "нужно не меньше {min_length} элем.",
    "too_long": "нужно не больше {max_length} элем.",
    "list_type": "нужен список",
    "tuple_type": "нужен список",
    "set_type": "нужен список",
    "dict_type": "нужен словарь (ключ: значение)",
    "model_type": "нужен словарь (ключ: значение)",
    "model_attributes_type": "нужен словарь (ключ: значение)",
    "none_required": "нужно значение null",
    "union_tag_invalid": "неизвестный вид '{tag}'; допустимые: {expected_tags}",
    "byte_size": "нужен размер, например 1073741824, 512MiB или 1GiB",
    "byte_size_unit": "неизвестная единица размера {unit}: например 512MiB или 1GiB",
    "time_type": 'нужно время "ЧЧ:ММ" в кавычках',
    "time_parsing": 'нужно время "ЧЧ:ММ" в кавычках',
    "url_parsing": "не похоже на адрес (URL)",
    "url_scheme": "схема адреса должна быть {expected_schemes}",
    "frozen_instance": "значение нельзя менять",
    "ip_any_address": "не похоже на адрес IPv4 или IPv6",
    "ip_any_network": "не похоже на сеть IPv4 или IPv6 (например, 10.0.0.0/8)",
    "ip_any_interface": "не похоже на адрес IPv4 или IPv6",
    "ip_v4_address": "не похоже на адрес IPv4",
    "ip_v6_address": "не похоже на адрес IPv6",
    "ip_v4_network": "не похоже на сеть IPv4",
    "ip_v6_network": "не похоже на сеть IPv6",
}
"""Russian reasons by pydantic's error type; `{name}` is the error's `ctx` value."""


def shown(value: object) -> str:
    """A value quoted back as the file writes it: true, false and null as YAML spells them."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


def russian_or(text: object) -> str:
    """pydantic's list of choices («'a', 'b' or 'c'») with a Russian «или»."""
    head, sep, tail = str(text).rpartition(" or ")
    return f"{head} или {tail}" if sep else str(text)


class _Ctx(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "?"


def reason(kind: str, ctx: Mapping[str, Any] | None, fallback: str) -> str:
    """The Russian reason of a pydantic error of type `kind`; `fallback` (pydantic's own
    message) for a type not in `REASONS`."""
    template = REASONS.get(kind)
    if template is None:
        return fallback
    values = _Ctx({key: russian_or(value) for key, value in (ctx or {}).items()})
    return template.format_map(values)


KINDS = {"list": "список", "str": "строка", "int": "число", "float": "число", "bool": "true/false"}
"""What a YAML document's top level was, when it is not a mapping."""


def os_reason(exc: Exception) -> str:
    """Why a file could not be read, in Russian."""
    if isinstance(exc, UnicodeDecodeError):
        return "файл не в кодировке UTF-8"
    if isinstance(exc, FileNotFoundError):
        return "файл не найден"
    if isinstance(exc, PermissionError):
        return "нет прав на чтение"
    if isinstance(exc, IsADirectoryError):
        return "это каталог, а не файл"
    return f"ошибка ввода-вывода (errno {getattr(exc, 'errno', None)})"


_YAML = (
    ("found duplicate key", "ключ{rest} указан дважды"),
    ("mapping values are not allowed here", "здесь не может быть «ключ: значение» (отступ?)"),
    ("could not find expected ':'", "не хватает «:» после ключа"),
    ("found character '\\t'", "символ табуляции: отступы в YAML делаются пробелами"),
    ("found a tab character", "символ табуляции: отступы в YAML делаются пробелами"),
    ("found character", "символ{rest}"),
    ("expected <block end>", "неверный отступ"),
    ("did not find expected key", "неверный отступ: здесь ожидался ключ"),
    ("did not find expected '-' indicator", "неверный отступ: здесь ожидался элемент списка «-»"),
    ("did not find expected node content", "здесь ожидалось значение"),
    ("expected the node content", "здесь ожидалось значение"),
    ("expected a comment or a line break", "после значения ожидался конец строки"),
    ("expected '<document start>'", "лишний текст после конца документа"),
    ("found unexpected end of stream", "файл закончился раньше времени (не закрыта кавычка?)"),
    ("found undefined alias", "неизвестная ссылка{rest}"),
    ("expected ',' or ']'", "не закрыт список: ожидалась «,» или «]»"),
    ("expected ',' or '}'", "не закрыт словарь: ожидалась «,» или «}»"),
    ("could not determine a constructor for the tag", "неизвестный тег{rest}"),
    ("found unknown escape character", "неизвестная escape-последовательность{rest}"),
)
"""PyYAML's problems a person meets, in Russian; `{rest}` is what follows (a quoted key)."""


_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")


def yaml_problem(problem: str | None) -> str:
    """PyYAML's `problem` in Russian; an unknown one becomes a general «ошибка разметки»."""
    text = problem or ""
    for english, russian in _YAML:
        if text.startswith(english):
            quoted = _QUOTED.match(text.removeprefix(english).strip())
            return russian.format(rest=f" {quoted.group(0)}" if quoted else "")
    return "ошибка разметки YAML"
