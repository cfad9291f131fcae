"""The configuration: the packaged seed funnel, parsing, error messages, rule look-ups."""

from __future__ import annotations

import base64
import copy
from collections.abc import Callable
from datetime import timedelta
from importlib import resources
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from crm_shared.config import (
    FIELD_DISPLAY_NAMES,
    PLANS,
    REQUIRED_FIELD_NAMES,
    BusChannel,
    ConfigError,
    CrmConfig,
    Rules,
    UnknownStage,
    WebhookChannel,
    format_duration,
    load_config,
    loads_config,
    parse_duration,
    render_task_title,
    render_template,
)

HOUR, DAY = 3600, 86400

# SPEC §1, row by row: code, display name, kind, task title template, deadline in seconds.
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
    ("LOST_NOT_FIT", "Не подошёл по портрету", "failure", None, None),
    ("LOST_NO_CONTACT", "Перестал выходить на связь", "failure", None, None),
    ("LOST_EXPENSIVE", "Дорого", "failure", None, None),
    ("LOST_OTHER", "Другое", "failure", None, None),
]  # fmt: skip
ACTIVE = [code for code, _, kind, _, _ in SPEC_PIPELINE if kind == "active"]
FINAL = [code for code, _, kind, _, _ in SPEC_PIPELINE if kind != "active"]
BASIC_MOVE = ["contact", "requirements"]
OFFER_FIELDS = ["amount", "currency", "subject", "delivery_method"]
PRO_FIELDS = ["contact.phone", "contact.name"]


@pytest.fixture(scope="module")
def config() -> CrmConfig:
    text = resources.files("crm_shared").joinpath("default_config.yaml").read_text("utf-8")
    return loads_config(text, source="default_config.yaml")


@pytest.fixture
def default_data() -> dict[str, Any]:
    text = resources.files("crm_shared").joinpath("default_config.yaml").read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def write(tmp_path: Path, data: Any) -> Path:
    path = tmp_path / "crm.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    return path


def stage_data(data: dict[str, Any], code: str) -> dict[str, Any]:
    return next(s for s in data["pipeline"]["stages"] if s["code"] == code)


def whsec(size: int = 32) -> str:
    return "whsec_" + base64.b64encode(bytes(range(size))).decode()


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


def test_payment_received_carries_both_checklists(config: CrmConfig) -> None:
    task = config.stage("PAYMENT_RECEIVED").task
    assert task is not None
    text = task.description
    assert "В случае, если клиент выбрал доставку заказа" in text
    assert "В случае, если клиент выбрал самовывоз заказа" in text
    assert "Проконтролируйте, чтобы транспортная служба взяла посылку в работу" in text
    assert "Сообщите о том, что заказ скомплектован, готов к самовывозу" in text
    assert "Переведите сделку на стадию «Отправили заказ»" in text
    assert "Переведите сделку на стадию «Клиент получил заказ»" in text
    # The seed's ads and screenshot references are not part of the instructions.
    assert "скидк" not in text.lower()
    assert "Тинькофф" not in text


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
    assert rules.contact_attempts.rop_may_override is True
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
        config.plan = "free"
    with pytest.raises(ValidationError):
        config.stage("NEW_LEAD").deadline = None


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
    with pytest.raises(ValueError, match=r"duration|seconds"):
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
        ["pipeline.stages[2].dedline: unknown key", "did you mean 'deadline'"],
    ),
    "typo at the top level": (
        _set("defualt_rop", "rop-1"),
        ["defualt_rop: unknown key", "did you mean 'default_rop'"],
    ),
    "bad kind": (
        _set("pipeline.stages.3.kind", "activ"),
        ["pipeline.stages[3].kind:", "'active', 'success' or 'failure'", "'activ'"],
    ),
    "unknown default_rop": (_set("default_rop", "u9"), ["default_rop: unknown user 'u9'"]),
    "default_rop is a manager": (
        _set("default_rop", "mgr-2"),
        ["default_rop: user 'mgr-2' has role manager, not rop"],
    ),
    "default_rop missing on a paid plan": (_delete("default_rop"), ["default_rop: required"]),
    "unknown stage in a rule": (
        _set("pipeline.rules.required_fields.1.after", "FOO"),
        ["pipeline.rules.required_fields[1].after: unknown stage 'FOO'"],
    ),
    "unknown field name": (
        _set("pipeline.rules.required_fields.2.fields", ["amount", "price"]),
        ["pipeline.rules.required_fields[2].fields[1]: unknown field 'price'"],
    ),
    "unknown contact_attempts stage": (
        _set("pipeline.rules.contact_attempts.stage", "LOST_GONE"),
        ["pipeline.rules.contact_attempts.stage: unknown stage 'LOST_GONE'"],
    ),
    "delivery stage is final": (
        _set("pipeline.rules.delivery.stage", "WON"),
        ["pipeline.rules.delivery.stage: stage 'WON' has kind success, not active"],
    ),
    "duplicate stage code": (
        _set("pipeline.stages.4.code", "OFFER_MADE"),
        ["pipeline.stages[4].code: duplicate stage code 'OFFER_MADE'"],
    ),
    "duplicate user id": (
        _set("users.2.id", "mgr-1"),
        ["users[2].id: duplicate user id 'mgr-1'"],
    ),
    "no success stage": (
        _set("pipeline.stages.7.kind", "failure"),
        ["pipeline.stages: no stage has kind success"],
    ),
    "two success stages": (
        _set("pipeline.stages.8.kind", "success"),
        ["pipeline.stages[8].kind: a second success stage"],
    ),
    "active stage with a task and no deadline": (
        _delete("pipeline.stages.5.deadline"),
        ["pipeline.stages[5].deadline: required for an active stage with a task"],
    ),
    "final stage with a task": (
        _set("pipeline.stages.9.task", {"title": "x"}),
        ["pipeline.stages[9].task: a failure stage is final"],
    ),
    "entry stage is final": (
        _set("pipeline.stages.0.kind", "failure"),
        ["pipeline.stages[0].kind: the first stage is where deals start"],
    ),
    "bad deadline": (
        _set("pipeline.stages.1.deadline", "P1M"),
        ["pipeline.stages[1].deadline:", "'P1M' is not a duration"],
    ),
    "zero deadline": (
        _set("pipeline.stages.1.deadline", 0),
        ["pipeline.stages[1].deadline: must be longer than zero"],
    ),
    "unknown placeholder": (
        _set("pipeline.stages.1.task.title", "{{Контакт: Фамилия}}. Позвонить"),
        ["pipeline.stages[1].task.title: unknown placeholder '{{Контакт: Фамилия}}'"],
    ),
    "bad stage code": (
        _set("pipeline.stages.1.code", "processing"),
        ["pipeline.stages[1].code:", "UPPER_SNAKE_CASE"],
    ),
    "bad plan": (_set("plan", "enterprise"), ["plan:", "'enterprise'"]),
    "missing plan": (_delete("plan"), ["plan: required key is missing"]),
    "bad channel type": (
        _set("users.1.channels", [{"type": "sms"}]),
        ["users[1].channels[0]:", "'sms'"],
    ),
    "channel without a type": (
        _set("users.1.channels", [{"url": "https://example.ru"}]),
        ["users[1].channels[0]: required key 'type' is missing"],
    ),
    "no stages": (_set("pipeline.stages", []), ["pipeline.stages: must not be empty"]),
    "webhook with bad url": (
        _set("users.1.channels", [{"type": "webhook", "url": "ftp://x", "secret": whsec()}]),
        ["users[1].channels[0].url: 'ftp://x' is not an http(s) URL"],
    ),
    "email channel without smtp": (
        _set("users.1.channels", [{"type": "email", "address": "ivan@example.ru"}]),
        ["users[1].channels[0]: an email channel needs the smtp section"],
    ),
    "fixed assignment to a РОП": (
        _set("lead_assignment", {"mode": "fixed", "user_id": "rop-1"}),
        ["lead_assignment.user_id: user 'rop-1' has role rop, not manager"],
    ),
    "fixed assignment to nobody": (
        _set("lead_assignment", {"mode": "fixed", "user_id": "mgr-9"}),
        ["lead_assignment.user_id: unknown user 'mgr-9'"],
    ),
    "round robin without managers": (
        _set("users", [{"id": "rop-1", "name": "Анна Петрова", "role": "rop"}]),
        ["lead_assignment: round_robin needs at least one user with role manager"],
    ),
    "comment on a non-failure stage": (
        _set("pipeline.stages.7.comment_required", True),
        ["pipeline.stages[7].comment_required: only failure stages"],
    ),
    "two problems at once": (
        _append("users", lambda d: dict(d["users"][1])),
        ["users[3].id: duplicate user id 'mgr-1'"],
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
    assert "users[1].channels[1].secret: the key is 8 bytes" in str(caught.value)
    assert short.removeprefix("whsec_") not in str(caught.value)

    default_data["users"][1]["channels"][1]["secret"] = "s3cr3t-token"
    with pytest.raises(ConfigError, match=r"secret: must be a Standard Webhooks secret") as caught:
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


def test_bad_yaml(tmp_path: Path) -> None:
    path = tmp_path / "crm.yaml"
    path.write_text("plan: standard\nusers: [\n  - id: x\n", "utf-8")
    with pytest.raises(ConfigError, match=r"not valid YAML: line \d+, column \d+") as caught:
        load_config(path)
    assert str(path) in str(caught.value)


def test_duplicate_yaml_key(tmp_path: Path) -> None:
    path = tmp_path / "crm.yaml"
    path.write_text("plan: standard\nplan: free\n", "utf-8")
    with pytest.raises(ConfigError, match="duplicate key 'plan'"):
        load_config(path)


def test_missing_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match=r"configuration file not found: .*nowhere\.yaml"):
        load_config(tmp_path / "nowhere.yaml")
    monkeypatch.setenv("CRM_CONFIG", str(tmp_path / "gone.yaml"))
    with pytest.raises(ConfigError, match=r"gone.yaml \(from CRM_CONFIG\)"):
        load_config()


@pytest.mark.parametrize(("text", "reason"), [("", "empty"), ("- a\n- b\n", "mapping")])
def test_not_a_mapping(text: str, reason: str) -> None:
    with pytest.raises(ConfigError, match=reason):
        loads_config(text, source="inline.yaml")


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


@pytest.mark.parametrize(
    ("from_code", "to_code", "plan", "fields"),
    [
        ("NEW_LEAD", "PROCESSING", "free", ["contact"]),
        ("NEW_LEAD", "PROCESSING", "basic", BASIC_MOVE),
        ("NEW_LEAD", "PROCESSING", "standard", BASIC_MOVE),
        ("NEW_LEAD", "PROCESSING", "professional", BASIC_MOVE),
        ("PROCESSING", "OFFER_MADE", "free", ["contact"]),
        ("PROCESSING", "OFFER_MADE", "basic", BASIC_MOVE + OFFER_FIELDS),
        ("PROCESSING", "OFFER_MADE", "standard", BASIC_MOVE + OFFER_FIELDS),
        ("PROCESSING", "OFFER_MADE", "professional", BASIC_MOVE + OFFER_FIELDS + PRO_FIELDS),
        # Skipping stages forward is held by every rule it passes.
        ("NEW_LEAD", "INVOICE_SENT", "professional", BASIC_MOVE + OFFER_FIELDS + PRO_FIELDS),
        ("PAYMENT_RECEIVED", "ORDER_SHIPPED", "standard", BASIC_MOVE + OFFER_FIELDS),
        # Backwards and standing still hold nothing.
        ("OFFER_MADE", "PROCESSING", "professional", []),
        ("ORDER_SHIPPED", "NEW_LEAD", "basic", []),
        ("PROCESSING", "PROCESSING", "professional", []),
    ],
)
def test_required_fields_for(
    config: CrmConfig, from_code: str, to_code: str, plan: Any, fields: list[str]
) -> None:
    assert config.required_fields_for(from_code, to_code, plan) == fields


@pytest.mark.parametrize("plan", PLANS)
@pytest.mark.parametrize("from_code", ACTIVE)
def test_required_fields_never_hold_final_moves(
    config: CrmConfig, from_code: str, plan: Any
) -> None:
    for to_code in FINAL:
        assert config.required_fields_for(from_code, to_code, plan) == []


def test_required_fields_default_to_the_configured_plan(config: CrmConfig) -> None:
    assert config.required_fields_for("NEW_LEAD", "PROCESSING") == BASIC_MOVE  # standard
    with pytest.raises(UnknownStage):
        config.required_fields_for("NEW_LEAD", "SOMEWHERE", "free")


def test_required_fields_have_no_duplicates(tmp_path: Path, default_data: dict[str, Any]) -> None:
    rules = default_data["pipeline"]["rules"]["required_fields"]
    rules.append({"after": "OFFER_MADE", "fields": ["contact", "subject", "contact.name"]})
    config = load_config(write(tmp_path, default_data))
    assert config.required_fields_for("NEW_LEAD", "ANSWER_RECEIVED", "professional") == (
        BASIC_MOVE + OFFER_FIELDS + PRO_FIELDS
    )
    assert config.required_fields_for("NEW_LEAD", "ANSWER_RECEIVED", "free") == [
        "contact",
        "subject",
        "contact.name",
    ]


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
