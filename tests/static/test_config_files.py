"""The configuration: a bad file is refused with a message naming the key and the problem."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from crm_shared.config import (
    ConfigError,
    Rules,
    WebhookChannel,
    load_config,
)
from tests.configs import stage_data, whsec, write

# --- bad files --------------------------------------------------------------------------------

Mutation = Callable[[dict[str, Any]], None]


def _set(path: str, value: Any) -> Mutation:
    """A mutation setting a dotted path (`pipeline.stages.3.kind`) in the default data."""

    def mutate(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = data
        for key in parents:
            node = node[int(key)] if key.isdigit() else node[key]
        node[int(last) if last.isdigit() else last] = value

    return mutate


def _delete(path: str) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = data
        for key in parents:
            node = node[int(key)] if key.isdigit() else node[key]
        del node[last]

    return mutate


def _append(path: str, make: Callable[[dict[str, Any]], Any]) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        node: Any = data
        for key in path.split("."):
            node = node[int(key)] if key.isdigit() else node[key]
        node.append(make(data))

    return mutate


BAD_FILES: dict[str, tuple[Mutation, list[str]]] = {
    "typo in a stage key": (
        _set("pipeline.stages.2.dedline", "P1D"),
        ["pipeline.stages[2].dedline: неизвестный ключ", "может быть, 'deadline'?"],
    ),
    "typo at the top level": (
        _set("defualt_rop", "rop-1"),
        ["defualt_rop: неизвестный ключ", "может быть, 'default_rop'?"],
    ),
    "bad kind": (
        _set("pipeline.stages.3.kind", "activ"),
        ["pipeline.stages[3].kind:", "'active', 'success' или 'failure'", "'activ'"],
    ),
    "unknown default_rop": (_set("default_rop", "u9"), ["default_rop: нет пользователя 'u9'"]),
    "default_rop is a manager": (
        _set("default_rop", "mgr-2"),
        ["default_rop: у пользователя 'mgr-2' роль manager, а нужна rop"],
    ),
    "default_rop missing on a paid plan": (
        _delete("default_rop"),
        ["default_rop: обязателен на тарифе"],
    ),
    "unknown stage in a rule": (
        _set("pipeline.rules.required_fields.1.after", "FOO"),
        ["pipeline.rules.required_fields[1].after: нет этапа 'FOO'"],
    ),
    "unknown field name": (
        _set("pipeline.rules.required_fields.2.fields", ["amount", "price"]),
        ["pipeline.rules.required_fields[2].fields[1]: неизвестное поле 'price'"],
    ),
    "unknown contact_attempts stage": (
        _set("pipeline.rules.contact_attempts.stage", "LOST_GONE"),
        ["pipeline.rules.contact_attempts.stage: нет этапа 'LOST_GONE'"],
    ),
    "delivery stage is final": (
        _set("pipeline.rules.delivery.stage", "WON"),
        ["pipeline.rules.delivery.stage: у этапа 'WON' kind success, а нужен active"],
    ),
    "duplicate stage code": (
        _set("pipeline.stages.4.code", "OFFER_MADE"),
        ["pipeline.stages[4].code: код этапа 'OFFER_MADE' уже есть у pipeline.stages[2]"],
    ),
    "duplicate user id": (
        _set("users.2.id", "mgr-1"),
        ["users[2].id: id 'mgr-1' уже есть у users[1]"],
    ),
    "no success stage": (
        _set("pipeline.stages.7.kind", "failure"),
        ["pipeline.stages: нет этапа с kind success"],
    ),
    "two success stages": (
        _set("pipeline.stages.8.kind", "success"),
        ["pipeline.stages[8].kind: второй этап success"],
    ),
    "active stage with a task and no deadline": (
        _delete("pipeline.stages.5.deadline"),
        ["pipeline.stages[5].deadline: обязателен для активного этапа с задачей"],
    ),
    "final stage with a task": (
        _set("pipeline.stages.9.task", {"title": "x"}),
        ["pipeline.stages[9].task: этап failure финальный"],
    ),
    "entry stage is final": (
        _set("pipeline.stages.0.kind", "failure"),
        ["pipeline.stages[0].kind: с первого этапа сделки начинаются"],
    ),
    "bad deadline": (
        _set("pipeline.stages.1.deadline", "P1M"),
        ["pipeline.stages[1].deadline:", "'P1M' не длительность"],
    ),
    "zero deadline": (
        _set("pipeline.stages.1.deadline", 0),
        ["pipeline.stages[1].deadline: должно быть больше нуля"],
    ),
    "unknown placeholder": (
        _set("pipeline.stages.1.task.title", "{{Контакт: Фамилия}}. Позвонить"),
        ["pipeline.stages[1].task.title: неизвестная подстановка '{{Контакт: Фамилия}}'"],
    ),
    "bad stage code": (
        _set("pipeline.stages.1.code", "processing"),
        ["pipeline.stages[1].code:", "не код этапа"],
    ),
    "bad plan": (_set("plan", "enterprise"), ["plan:", "'enterprise'"]),
    "missing plan": (_delete("plan"), ["plan: обязательный ключ не указан"]),
    "bad channel type": (
        _set("users.1.channels", [{"type": "sms"}]),
        ["users[1].channels[0]:", "'sms'"],
    ),
    "channel without a type": (
        _set("users.1.channels", [{"url": "https://example.ru"}]),
        ["users[1].channels[0]: обязательный ключ 'type' не указан"],
    ),
    "no stages": (_set("pipeline.stages", []), ["pipeline.stages: не может быть пустым"]),
    "webhook with bad url": (
        _set("users.1.channels", [{"type": "webhook", "url": "ftp://x", "secret": whsec()}]),
        ["users[1].channels[0].url: 'ftp://x' не адрес http(s)"],
    ),
    "email channel without smtp": (
        _set("users.1.channels", [{"type": "email", "address": "ivan@example.ru"}]),
        ["users[1].channels[0]: для канала email нужен раздел smtp"],
    ),
    "fixed assignment to a РОП": (
        _set("lead_assignment", {"mode": "fixed", "user_id": "rop-1"}),
        ["lead_assignment.user_id: у пользователя 'rop-1' роль rop, а нужна manager"],
    ),
    "fixed assignment to nobody": (
        _set("lead_assignment", {"mode": "fixed", "user_id": "mgr-9"}),
        ["lead_assignment.user_id: нет пользователя 'mgr-9'"],
    ),
    "round robin without managers": (
        _set("users", [{"id": "rop-1", "name": "Анна Петрова", "role": "rop"}]),
        ["lead_assignment: для round_robin нужен хотя бы один пользователь с ролью manager"],
    ),
    "comment on a non-failure stage": (
        _set("pipeline.stages.7.comment_required", True),
        ["pipeline.stages[7].comment_required: комментарий о провале бывает только у этапов"],
    ),
    "a lead source named other": (
        _set("lead_sources", ["site", "other"]),
        ["lead_sources[1]:", "и не 'other'"],
    ),
    "a lead source with spaces": (
        _set("lead_sources", ["our site"]),
        ["lead_sources[0]: 'our site' не годится как источник лидов"],
    ),
    "stream max_bytes not a size": (
        _set("streams", {"max_bytes": "lots"}),
        ["streams.max_bytes:"],
    ),
    "stream max_bytes: yes": (_set("streams", {"max_bytes": True}), ["streams.max_bytes:"]),
    "dead letters kept for months": (
        _set("streams", {"dead_letter_max_age": "P1M"}),
        ["streams.dead_letter_max_age: 'P1M' не длительность"],
    ),
    "two problems at once": (
        _append("users", lambda d: dict(d["users"][1])),
        ["users[3].id: id 'mgr-1' уже есть у users[1]"],
    ),
}


@pytest.mark.parametrize("case", list(BAD_FILES), ids=list(BAD_FILES))
def test_bad_file_names_the_key(case: str, tmp_path: Path, default_data: dict[str, Any]) -> None:
    mutate, expected = BAD_FILES[case]
    mutate(default_data)
    path = write(tmp_path, default_data)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert str(path) in message
    for part in expected:
        assert part in message
    assert caught.value.problems  # and every problem is one `key.path: reason` line
    assert all(": " in line for line in caught.value.problems)


def test_every_cross_field_problem_is_reported(
    tmp_path: Path, default_data: dict[str, Any]
) -> None:
    default_data["default_rop"] = "u9"
    default_data["pipeline"]["rules"]["required_fields"][0]["after"] = "FOO"
    stage_data(default_data, "OFFER_MADE")["code"] = "PROCESSING"
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, default_data))
    assert [p.split(":")[0] for p in caught.value.problems] == [
        "default_rop",
        "pipeline.stages[2].code",
        "pipeline.rules.required_fields[0].after",
    ]


def test_webhook_secret_is_checked_and_never_echoed(
    tmp_path: Path, default_data: dict[str, Any]
) -> None:
    good = whsec(32)
    default_data["users"][1]["channels"] = [
        {"type": "bus"},
        {"type": "webhook", "url": "https://hooks.example.ru/crm", "secret": good},
    ]
    config = load_config(write(tmp_path, default_data))
    channel = config.users[1].channels[1]
    assert isinstance(channel, WebhookChannel)
    assert channel.key == bytes(range(32))
    assert good not in repr(channel)

    short = whsec(8)
    default_data["users"][1]["channels"][1]["secret"] = short
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, default_data))
    assert "users[1].channels[1].secret: ключ — 8 байт" in str(caught.value)
    assert short.removeprefix("whsec_") not in str(caught.value)

    default_data["users"][1]["channels"][1]["secret"] = "s3cr3t-token"
    with pytest.raises(ConfigError, match=r"secret: нужен секрет Standard Webhooks") as caught:
        load_config(write(tmp_path, default_data))
    assert "s3cr3t-token" not in str(caught.value)


def test_optional_rules_and_sections(tmp_path: Path, default_data: dict[str, Any]) -> None:
    default_data["plan"] = "free"
    del default_data["default_rop"]  # the free plan has no РОП robot
    default_data["pipeline"]["rules"] = {"contact_attempts": None, "delivery": None}
    default_data["smtp"] = {"host": "smtp.example.ru", "sender": "crm@example.ru"}
    default_data["users"][2]["channels"] = [{"type": "email", "address": "maria@example.ru"}]
    default_data["users"][2]["id"] = 42  # YAML numbers are fine as ids
    config = load_config(write(tmp_path, default_data))
    assert config.default_rop is None
    assert config.pipeline.rules.contact_attempts is None
    assert config.pipeline.rules.delivery is None
    assert config.pipeline.rules.required_fields == Rules().required_fields
    assert config.smtp is not None and config.smtp.port == 25
    assert config.user_or_none("42") is not None
