"""How the board names a deal's client: the name, else the phone as read, else the e-mail."""

from __future__ import annotations

import pytest

from gateway.entrypoints.web.render import client, deal_label


@pytest.mark.parametrize(
    ("contact", "label"),
    [
        ({"name": "Пётр Сидоров", "phone": "+79123456789"}, "Кирпич · Пётр Сидоров"),
        ({"phone": "+79123456789"}, "Кирпич · +7 912 345-67-89"),
        ({"name": " ", "email": "petr@example.ru"}, "Кирпич · petr@example.ru"),
        ({}, "Кирпич"),
        (None, "Кирпич"),
    ],
)
def test_a_task_names_its_deal_with_its_client(contact: dict[str, str] | None, label: str) -> None:
    assert deal_label({"title": "Кирпич", "contact": contact}) == label


def test_the_card_shows_nothing_for_no_contact() -> None:
    assert client(None) == "" and client({"phone": "+79123456789"}) == "+7 912 345-67-89"
    assert deal_label(None) == "Сделка"
