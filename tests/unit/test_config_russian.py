"""The operator who starts a service with a bad configuration or environment reads Russian:
what `run_service` prints (a real service's command line, deal-service's) holds no English
word once the file's own words are set aside: its key paths, its keys and values, the values
quoted back. The check is the CLI locale test's (tests/e2e/test_cli_locale.py)."""

from __future__ import annotations

import re
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import pytest
from pydantic import BaseModel

from crm_shared.config import CrmConfig
from crm_shared.config.messages import REASONS, reason, russian_or, yaml_problem
from crm_shared.machinery.cli import run_service
from tests.configs import default_data, write
from tests.locale_support import english

YAML_WORDS = {"true", "false", "null", "whsec", "Standard", "Webhooks", "http", "https"}
"""Latin the file itself is written in, besides its keys and values."""


def _words(tp: Any, seen: set[Any]) -> Iterator[str]:
    """Every key and every Literal value the configuration's models know."""
    if tp in seen:
        return
    seen.add(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        for name, field in tp.model_fields.items():
            yield name
            yield from _words(field.annotation, seen)
    elif get_origin(tp) is Literal:
        yield from (str(arg) for arg in get_args(tp))
    elif get_origin(tp) in (Annotated, Union, types.UnionType, tuple, list, dict):
        for arg in get_args(tp):
            yield from _words(arg, seen)


FILE_WORDS = YAML_WORDS | set(_words(CrmConfig, set()))
KEY_PATH = re.compile(r"(?m)^(\s*)[\w.\[\]]+:")
QUOTED = re.compile(r"'[^'\n]*'|\"[^\"\n]*\"")


def foreign(said: str, path: Path) -> list[str]:
    """English words of what the operator read, the file's own words set aside."""
    text = QUOTED.sub(" ", KEY_PATH.sub(r"\1", said.replace(str(path), "<файл>")))
    text = re.sub(r"\w+", lambda m: " " if m.group(0) in FILE_WORDS else m.group(0), text)
    return english(text)


def _start(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> str:
    from deal_service.bootstrap import ENTRY

    assert run_service(["serve"], ENTRY) == 2  # the config is read before anything connects
    return capsys.readouterr().err


def _delete_plan(d: dict[str, Any]) -> None:
    del d["plan"]


def _misspell(d: dict[str, Any]) -> None:
    d["defualt_rop"] = d.pop("default_rop")


def _wrong_types(d: dict[str, Any]) -> None:
    d["plan"] = "gold"
    d["webhook"] = {"max_attempts": "lots"}
    d["timezone"] = 5
    d["users"][1]["role"] = None  # quoted back as the file spells it: null, not None


def _own_check(d: dict[str, Any]) -> None:
    d["default_rop"] = "mgr-1"
    d["pipeline"]["stages"][4]["kind"] = "success"


def _own_values(d: dict[str, Any]) -> None:
    d["pipeline"]["stages"][1]["deadline"] = "P1M"
    d["pipeline"]["stages"][1]["code"] = "processing"


CASES: dict[str, tuple[Callable[[dict[str, Any]], None], list[str]]] = {
    "missing key": (_delete_plan, ["plan: обязательный ключ не указан"]),
    "unknown key": (_misspell, ["defualt_rop: неизвестный ключ; может быть, 'default_rop'?"]),
    "wrong type": (
        _wrong_types,
        [
            "plan: допустимые значения: 'free', 'personal', 'basic', 'standard' или "
            "'professional' (указано: 'gold')",
            "webhook.max_attempts: нужно целое число (указано: 'lots')",
            "timezone: нужна строка (указано: 5)",
            "users[1].role: допустимые значения: 'manager' или 'rop' (указано: null)",
        ],
    ),
    "our own check": (
        _own_check,
        [
            "default_rop: у пользователя 'mgr-1' роль manager, а нужна rop",
            "pipeline.stages[7].kind: второй этап success (pipeline.stages[4] уже такой; "
            "нужен ровно один)",
        ],
    ),
    "our own value check": (
        _own_values,
        [
            "pipeline.stages[1].deadline: 'P1M' не длительность",
            "pipeline.stages[1].code: 'processing' не код этапа",
        ],
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_bad_configuration_is_told_in_russian(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    change, lines = CASES[case]
    data = default_data()
    change(data)
    path = write(tmp_path, data)
    monkeypatch.setenv("CRM_CONFIG", str(path))
    said = _start(monkeypatch, capsys)
    assert said.startswith(f"ошибка конфигурации: ошибки в конфигурации {path}:\n"), said
    for line in lines:
        assert f"\n  {line}" in said, said
    assert not foreign(said, path), foreign(said, path)


@pytest.mark.parametrize(
    ("text", "where", "why"),
    [
        ("plan: free\nusers: [\n  - id: x\n", "строка 3, столбец 3", "здесь ожидалось значение"),
        ("a: 'x' y\n", "строка 1, столбец 8", "неверный отступ"),
        ("a: !!python/object x\n", "строка 1, столбец 4", "неизвестный тег 'tag:yaml.org,2002"),
        ("plan: free\n  users: x\n", "строка 2, столбец 8", "здесь не может быть «ключ: значение»"),
        ("plan: free\nplan: basic\n", "строка 2, столбец 1", "ключ 'plan' указан дважды"),
        ("plan: free\nusers:\n\t- id: a\n", "строка 3, столбец 1", "символ табуляции"),
    ],
)
def test_bad_yaml_is_told_in_russian_with_line_and_column(
    text: str,
    where: str,
    why: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "crm.yaml"
    path.write_text(text, "utf-8")
    monkeypatch.setenv("CRM_CONFIG", str(path))
    said = _start(monkeypatch, capsys)
    assert said.startswith(
        f"ошибка конфигурации: {path}: не разбирается как YAML: {where}: {why}"
    ), said
    assert not foreign(said, path), foreign(said, path)


@pytest.mark.parametrize(
    ("text", "said"),
    [(None, "файл конфигурации не найден"), ("", "конфигурация пуста"), ("- a\n", "а не список")],
)
def test_a_missing_empty_or_odd_file_is_told_in_russian(
    text: str | None,
    said: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "crm.yaml"
    if text is not None:
        path.write_text(text, "utf-8")
    monkeypatch.setenv("CRM_CONFIG", str(path))
    shown = _start(monkeypatch, capsys)
    assert said in shown and not foreign(shown, path), shown


@pytest.mark.parametrize(
    ("variable", "value", "why"),
    [
        ("CRM_LEAD_BATCH_SIZE", "lots", "нужно целое число"),
        ("CRM_METRICS_PORT", "70000", "должно быть не больше 65535"),
        ("CRM_ACK_WAIT_SECONDS", "soon", "нужно число"),
    ],
)
def test_a_bad_environment_variable_is_told_in_russian(
    variable: str,
    value: str,
    why: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(variable, value)
    said = _start(monkeypatch, capsys)
    assert said == f"ошибка окружения: {variable}='{value}': {why}\n"
    assert not english(QUOTED.sub(" ", said)), english(said)


def test_the_gateways_proxies_are_told_in_russian(monkeypatch: pytest.MonkeyPatch) -> None:
    from crm_shared.machinery.settings import SettingsError
    from gateway.settings import Settings

    monkeypatch.setenv("CRM_GATEWAY_TRUSTED_PROXIES", "10.0.0.1, nowhere")
    with pytest.raises(SettingsError) as caught:
        Settings.from_env()
    said = str(caught.value)
    assert "'nowhere' не похоже на адрес или сеть IPv4/IPv6" in said
    assert not english(QUOTED.sub(" ", said)), said


def test_every_reason_is_russian_and_an_unknown_type_keeps_pydantics() -> None:
    for kind, template in REASONS.items():
        assert re.search("[а-я]", template), kind
    assert reason("greater_than", {"gt": 0}, "x") == "должно быть больше 0"
    assert reason("no_such_type", {}, "pydantic's words") == "pydantic's words"
    assert russian_or("'a', 'b' or 'c'") == "'a', 'b' или 'c'"
    assert yaml_problem("something new") == "ошибка разметки YAML"


def test_the_check_sees_english_past_the_files_words() -> None:
    here = Path("/etc/crm.yaml")
    old = "invalid configuration in /etc/crm.yaml:\n  plan: this key is missing (got 'x')"
    said = ["invalid", "configuration", "in", "this", "key", "is", "missing", "got"]
    assert foreign(old, here) == said
    assert not foreign("ошибки в конфигурации /etc/crm.yaml:\n  users[0].role: 'boss' не rop", here)


def test_crm_with_a_bad_configuration_says_so_in_russian_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from crm_cli import ui
    from crm_cli.main import app

    path = tmp_path / "crm.yaml"
    path.write_text("plan: free\nusers: [\n", "utf-8")
    monkeypatch.setenv("CRM_CONFIG", str(path))
    monkeypatch.setenv("COLUMNS", "400")  # one line, as the operator's wide terminal
    ui.config.cache_clear()
    try:
        done = CliRunner().invoke(app, ["--as", "rop-1", "deal", "list", "--stage", "Новый лид"])
    finally:
        ui.config.cache_clear()
    said = done.stdout + done.stderr
    assert done.exit_code == 2, said
    assert said.startswith(
        f"ошибка конфигурации: {path}: не разбирается как YAML: строка 3, столбец 1"
    ), said
    assert not foreign(said, path), said


def test_a_service_process_says_it_in_russian(tmp_path: Path) -> None:
    """`python -m deal_service` as a supervisor starts it: status 2 and the Russian lines."""
    import os
    import subprocess
    import sys

    data = default_data()
    _misspell(data)
    path = write(tmp_path, data)
    env = {**os.environ, "CRM_CONFIG": str(path), "CRM_METRICS_PORT": "0"}
    done = subprocess.run(
        [sys.executable, "-m", "deal_service"], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(f"ошибка конфигурации: ошибки в конфигурации {path}:\n")
    assert "\n  defualt_rop: неизвестный ключ" in done.stderr and not foreign(done.stderr, path)
