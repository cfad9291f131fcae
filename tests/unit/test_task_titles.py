"""A task's title beside its client's name does not name the client twice (`beside_client`):
My tasks' «Окна · Пётр» and a notice's «по сделке «Окна» (Пётр)» read «Пётр. Уточнить…» twice."""

from __future__ import annotations

import pytest

from crm_shared.config import NotificationTemplates
from crm_shared.contracts.dto import Task, beside_client
from notifier.domain.messages import assigned_notification


@pytest.mark.parametrize(
    ("title", "client", "shown"),
    [
        ("Пётр. Получить ответ на КП", "Пётр", "Получить ответ на КП"),
        ("Пётр Сидоров: перезвонить", "Пётр Сидоров", "перезвонить"),
        ("+7 912 345-67-89 — выслать счёт", "+7 912 345-67-89", "выслать счёт"),
        ("Петрович, выслать счёт", "Пётр", "Петрович, выслать счёт"),  # another name
        ("Пётрина задача", "Пётр", "Пётрина задача"),  # the name only starts a word
        ("Пётр.", "Пётр", "Пётр."),  # nothing would be left
        ("Перезвонить Петру", "Пётр", "Перезвонить Петру"),
        ("Пётр. Получить ответ на КП", None, "Пётр. Получить ответ на КП"),
    ],
)
def test_the_title_drops_only_the_clients_name_it_opens_with(
    title: str, client: str | None, shown: str
) -> None:
    assert beside_client(title, client) == shown


def test_a_notice_names_the_client_once_unless_its_template_leaves_the_client_out() -> None:
    task = Task.model_validate(
        {
            "id": "t-1",
            "deal_id": "d-1",
            "title": "Пётр. Получить ответ на КП",
            "responsible_id": "mgr-1",
            "opened_at": "2026-12-07T09:00:00+00:00",
            "deal_title": "Окна",
            "contact_name": "Пётр",
        }
    )
    note = assigned_notification(task, NotificationTemplates())
    assert note is not None
    assert note.text.startswith("Новая задача «Получить ответ на КП» по сделке «Окна» (Пётр).")
    alone = NotificationTemplates(task_assigned="Задача «{task}» по сделке «{deal}»")
    note = assigned_notification(task, alone)
    assert note is not None and note.text == "Задача «Пётр. Получить ответ на КП» по сделке «Окна»"
