"""Reading the configuration file: where it comes from, YAML parsing, readable errors."""

from __future__ import annotations

import difflib
import os
import types
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from .messages import KINDS, os_reason, reason, shown, yaml_problem
from .root import CrmConfig

__all__ = ["CONFIG_ENV_VAR", "ConfigError", "config_from_data", "load_config", "loads_config"]

CONFIG_ENV_VAR = "CRM_CONFIG"
DEFAULT_CONFIG_RESOURCE = "default_config.yaml"


class ConfigError(Exception):
    """The configuration cannot be used: missing or unreadable file, bad YAML, or bad values.

    `str(error)` names the file and, one per line, every bad key path with the reason, in
    Russian (the operator who starts a service reads it; key paths and values stay as the
    file has them); `source` is the file, `problems` the individual `key.path: причина` lines.
    """

    def __init__(self, message: str, *, source: str = "", problems: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.source = source
        self.problems = problems


class _Strict:
    """A YAML loader's part that refuses a key given twice in one mapping.

    Plain YAML keeps the last one silently, so a stage with two `deadline:` lines would lose
    one without a word: the same class of mistake as a misspelt key.
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)  # type: ignore[attr-defined]
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    "while reading a mapping",
                    node.start_mark,
                    f"found duplicate key {key!r}",
                    key_node.start_mark,
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)  # type: ignore[misc]


class _StrictLoader(_Strict, yaml.SafeLoader):
    """SafeLoader refusing a key given twice."""


class _FastStrictLoader(_Strict, getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The same rules on libyaml's parser: a service's start read its configuration in
    20 ms of pure-Python scanning (2 ms with libyaml). Its error texts are libyaml's, so a
    file it refuses is read again by `_StrictLoader`, whose words we translate."""


def _parse(text: str) -> Any:
    try:
        return yaml.load(text, Loader=_FastStrictLoader)
    except yaml.YAMLError:
        return yaml.load(text, Loader=_StrictLoader)  # the same refusal, in words we know


def load_config(path: str | Path | None = None) -> CrmConfig:
    """Load and check the CRM configuration.

    The file is `path` if given, else the one named by the `CRM_CONFIG` environment variable,
    else the packaged default (`crm_shared/default_config.yaml`, the seed's funnel). Raises
    `ConfigError` naming the file and every bad key path.
    """
    if path is None and (env := os.environ.get(CONFIG_ENV_VAR, "").strip()):
        path, origin = env, f" (из {CONFIG_ENV_VAR})"
    else:
        origin = ""
    if path is None:
        resource = resources.files("crm_shared").joinpath(DEFAULT_CONFIG_RESOURCE)
        return loads_config(resource.read_text(encoding="utf-8"), source=f"<встроенная {resource}>")
    file = Path(path).expanduser()
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"файл конфигурации не найден: {file}{origin}", source=str(file)
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"не удалось прочитать файл конфигурации {file}{origin}: {os_reason(exc)}",
            source=str(file),
        ) from None
    return loads_config(text, source=str(file))


def loads_config(text: str, source: str = "<текст>") -> CrmConfig:
    """Parse and check a configuration given as YAML text; `source` names it in errors."""
    try:
        data = _parse(text)
    except yaml.YAMLError as exc:
        raise ConfigError(
            f"{source}: не разбирается как YAML: {_yaml_reason(exc)}", source=source
        ) from None
    if data is None:
        raise ConfigError(f"{source}: конфигурация пуста", source=source)
    return config_from_data(data, source=source)


def config_from_data(data: Any, source: str = "<данные>") -> CrmConfig:
    """Check already-parsed configuration data (a mapping, as from YAML or JSON)."""
    if not isinstance(data, Mapping):
        raise ConfigError(
            f"{source}: верхний уровень должен быть словарём ключей (plan, users, pipeline, ...), "
            f"а не {KINDS.get(type(data).__name__, type(data).__name__)}",
            source=source,
        )
    try:
        return CrmConfig.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        # A list whose item failed is also reported "too short" (the bad item does not
        # count); the item's own error is the one that helps.
        errors = [
            error
            for error in errors
            if error["type"] != "too_short"
            or not any(
                len(other["loc"]) > len(error["loc"])
                and other["loc"][: len(error["loc"])] == error["loc"]
                for other in errors
            )
        ]
        problems = tuple(line for error in errors for line in _describe(error))
        message = f"ошибки в конфигурации {source}:\n" + "\n".join(f"  {p}" for p in problems)
        raise ConfigError(message, source=source, problems=problems) from None


def _yaml_reason(exc: yaml.YAMLError) -> str:
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
        mark = exc.problem_mark
        return f"строка {mark.line + 1}, столбец {mark.column + 1}: {yaml_problem(exc.problem)}"
    return yaml_problem(None)


# --- turning pydantic errors into `key.path: reason` lines --------------------------------


def _unwrap(tp: Any) -> Any:
    """Strip Annotated and Optional from a type annotation."""
    while True:
        origin = get_origin(tp)
        if origin is Annotated:
            tp = get_args(tp)[0]
        elif origin in (Union, types.UnionType):
            members = [arg for arg in get_args(tp) if arg is not type(None)]
            if len(members) != 1:
                return tp
            tp = members[0]
        else:
            return tp


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _tagged_member(tp: Any, tag: str) -> Any:
    """The member of a discriminated union whose tag (a Literal field) is `tag`, or None."""
    if get_origin(tp) not in (Union, types.UnionType):
        return None
    for member in get_args(tp):
        if _is_model(member):
            for field in member.model_fields.values():
                if get_origin(field.annotation) is Literal and tag in get_args(field.annotation):
                    return member
    return None


def _walk(loc: tuple[int | str, ...]) -> tuple[str, Any]:
    """The readable path of a pydantic error location, and the model that holds its last key.

    pydantic puts the tag of a discriminated union into the location
    (`users.0.channels.0.webhook.url`); it is dropped, as the operator never wrote it.
    """
    path = ""
    tp: Any = CrmConfig
    parent: Any = None
    for item in loc:
        tp = _unwrap(tp)
        if isinstance(item, int):
            path += f"[{item}]"
            args = get_args(tp) if get_origin(tp) in (tuple, list) else ()
            tp = args[0] if args else None
            continue
        if tp is not None and (member := _tagged_member(tp, item)) is not None:
            tp = member
            continue
        parent = tp if _is_model(tp) else None
        path += f".{item}" if path else item
        tp = tp.model_fields[item].annotation if parent and item in parent.model_fields else None
    return path, parent


def _describe(error: ErrorDetails) -> list[str]:
    path, parent = _walk(tuple(error["loc"]))
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind in ("value_error", "assertion_error"):
        # Our own validators' texts, already Russian (and quoting the value themselves).
        message = str(ctx.get("error") or error["msg"].removeprefix("Value error, "))
    else:
        message = reason(kind, ctx, error["msg"])
    if not path:
        # The root model's cross-field check: already `key.path: причина` lines.
        return message.splitlines()
    if kind == "extra_forbidden":
        if parent is not None:
            allowed = list(parent.model_fields)
            key = str(error["loc"][-1])
            if close := difflib.get_close_matches(key, allowed, n=1, cutoff=0.6):
                message += f"; может быть, {close[0]!r}?"
            message += f" (допустимые здесь: {', '.join(allowed)})"
    elif kind in ("too_short", "string_too_short") and ctx.get("min_length", 1) == 1:
        message = "не может быть пустым"
    elif kind == "union_tag_not_found":
        tag = ctx.get("discriminator", "type")
        message = f"обязательный ключ {tag} не указан: он говорит, что это за запись"
    elif (
        kind not in ("value_error", "assertion_error", "missing")
        and not isinstance(error.get("input"), Mapping | list | tuple)
        and not any(word in path for word in ("secret", "password"))  # never echo secrets
    ):
        message += f" (указано: {shown(error.get('input'))})"
    return [f"{path}: {message}"]
