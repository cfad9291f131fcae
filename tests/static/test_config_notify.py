"""users[].notify (which channels each kind takes) and the notifications section."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from crm_shared.config import (
    NOTIFICATION_KINDS,
    ConfigError,
    NotificationTemplates,
    config_from_data,
)
from crm_shared.config.notifications import PLACEHOLDERS
from crm_shared.contracts.text import ID_BYTES
from tests.configs import config_with, default_data


def _mgr(data: dict[str, Any]) -> dict[str, Any]:
    return next(u for u in data["users"] if u["id"] == "mgr-1")


def test_defaults_and_choices() -> None:
    def change(data: dict[str, Any]) -> None:
        user = _mgr(data)
        user["channels"] = [{"type": "bus"}, {"type": "email", "address": "i@example.ru"}]
        user["notify"] = {"task_commented": ["email"], "move_rejected": []}
        data["smtp"] = {"host": "127.0.0.1", "sender": "crm@example.ru"}

    cfg = config_with(change=change)
    user = cfg.user_or_none("mgr-1")
    assert user is not None
    types = {kind: [c.type for c in user.channels_for(kind)] for kind in (
        "task_assigned", "task_overdue", "task_commented", "move_rejected"
    )}  # fmt: skip
    # task_assigned: only the bus unless chosen; a kind not listed: every channel.
    assert types == {
        "task_assigned": ["bus"],
        "task_overdue": ["bus", "email"],
        "task_commented": ["email"],
        "move_rejected": [],
    }
    assert cfg.notifications.retention == timedelta(days=90)
    assert "{lateness}" in cfg.notifications.templates.task_overdue


def test_the_shipped_file_spells_out_every_default_template() -> None:
    """The operator edits the texts where they are: the file carries each kind's default."""
    templates = default_data()["notifications"]["templates"]
    assert set(templates) == set(NOTIFICATION_KINDS) == set(PLACEHOLDERS)
    assert NotificationTemplates.model_validate(templates) == NotificationTemplates()


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (
            lambda d: _mgr(d).update(notify={"task_asigned": ["bus"]}),
            "users[1].notify.task_asigned: неизвестный вид уведомлений",
        ),
        (
            lambda d: _mgr(d).update(notify={"task_assigned": ["email"]}),
            "users[1].notify.task_assigned: у пользователя 'mgr-1' нет канала email",
        ),
        (
            lambda d: _mgr(d).update(notify={"task_assigned": ["pigeon"]}),
            "notify.task_assigned",
        ),
        (
            lambda d: d.update(notifications={"templates": {"task_overdue": "{deal} {who}"}}),
            "неизвестная подстановка {who}",
        ),
        (
            # each kind has its own placeholders: a refused move has no task
            lambda d: d["notifications"]["templates"].update(move_rejected="{deal} {task}"),
            "notifications.templates.move_rejected",
        ),
        (
            lambda d: d["notifications"]["templates"].update(approval_requested="{lateness}"),
            "подстановка {lateness}; известные: deal, contact, manager, stage, from_stage",
        ),
        (lambda d: d.update(notifications={"retention": "soon"}), "notifications.retention"),
    ],
)
def test_bad_notify_settings_name_the_key(change: Any, says: str) -> None:
    data = default_data()
    change(data)
    with pytest.raises(ConfigError) as caught:
        config_from_data(data, source="test")
    assert says in str(caught.value)


def test_a_user_id_is_held_to_the_contracts_id_limit() -> None:
    """Every command carries the user as `actor_id`, an `Id` (100 bytes): a longer id in the
    configuration is refused there, not on the user's first command."""
    data = default_data()
    data["users"][1]["id"] = "m" * (ID_BYTES + 1)
    with pytest.raises(
        ConfigError, match=rf"users\[1\].id: id пользователя — не длиннее {ID_BYTES}"
    ):
        config_from_data(data)
