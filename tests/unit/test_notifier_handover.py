"""A deal given to another manager: the new responsible and the previous one are told once
each (deal_received, deal_handed_over), whatever the number of tasks that came along."""

from __future__ import annotations

from datetime import UTC, datetime

from crm_shared.config import NotificationTemplates
from crm_shared.contracts.deal import DealUpdated
from crm_shared.contracts.dto import Contact, Deal
from notifier.domain.handover_messages import handover_notifications

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
TEMPLATES = NotificationTemplates()
NAMES = {"mgr-1": "Иван Иванов", "mgr-2": "Мария Смирнова", "rop-1": "Анна"}


def _updated(changed: list[str], previous: str | None = "mgr-1", **deal: object) -> DealUpdated:
    fields: dict[str, object] = {
        "id": "d-1",
        "version": 4,
        "stage": "PROCESSING",
        "title": "Кирпич",
        "contact": Contact(id="c-1", name="Пётр Сидоров"),
        "responsible_id": "mgr-2",
        "created_at": NOW,
        "updated_at": NOW,
    }
    return DealUpdated(
        deal=Deal.model_validate({**fields, **deal}),
        changed=changed,
        previous_responsible_id=previous,
    )


def test_the_new_and_the_previous_responsible_are_told_once_each() -> None:
    notes = handover_notifications(
        _updated(["responsible_id"]), 2, "Обрабатываем", NAMES, TEMPLATES
    )
    assert [(n.kind, n.user_id, n.deal_id) for n in notes] == [
        ("deal_received", "mgr-2", "d-1"),
        ("deal_handed_over", "mgr-1", "d-1"),
    ]
    assert notes[0].text == (
        "Вам передана сделка «Кирпич» (Пётр Сидоров), стадия «Обрабатываем». Открытых задач: 2."
    )
    assert notes[1].text == "Сделка «Кирпич» (Пётр Сидоров) передана: Мария Смирнова."


def test_no_previous_responsible_only_the_new_one_hears() -> None:
    [note] = handover_notifications(
        _updated(["responsible_id"], previous=None), 0, "Новый лид", NAMES, TEMPLATES
    )
    assert note.kind == "deal_received" and note.user_id == "mgr-2"
    assert note.text.endswith("Открытых задач: 0.")


def test_other_changes_tell_nobody() -> None:
    for event in (
        _updated(["title"], previous=None),
        _updated(["rop_id"], previous=None),
        _updated(["responsible_id"], previous="mgr-2"),  # no change after all
        _updated(["responsible_id"]).model_copy(update={"erased": True}),
    ):
        assert handover_notifications(event, 1, "x", NAMES, TEMPLATES) == []


def test_whoever_made_the_change_is_not_told_of_it() -> None:
    """A РОП who takes a deal hears nothing, the one it was taken from does; a РОП who gives
    away a deal of their own hears nothing, the new responsible does."""
    taken = _updated(["responsible_id"], responsible_id="rop-1").model_copy(
        update={"actor_id": "rop-1"}
    )
    [handed] = handover_notifications(taken, 1, "x", NAMES, TEMPLATES)
    assert (handed.kind, handed.user_id) == ("deal_handed_over", "mgr-1")
    assert handed.text == "Сделка «Кирпич» (Пётр Сидоров) передана: Анна."
    given = _updated(["responsible_id"], previous="rop-1").model_copy(update={"actor_id": "rop-1"})
    [received] = handover_notifications(given, 1, "x", NAMES, TEMPLATES)
    assert (received.kind, received.user_id) == ("deal_received", "mgr-2")
    # Another РОП's change, or one of an event stored before it said who: both are told.
    for actor in ("rop-2", None):
        event = _updated(["responsible_id"]).model_copy(update={"actor_id": actor})
        assert len(handover_notifications(event, 1, "x", NAMES, TEMPLATES)) == 2


def test_an_operators_template_may_name_the_previous_and_an_unknown_user_by_id() -> None:
    mine = NotificationTemplates(
        deal_received="{previous} → {manager}: «{deal}», {count}",
        deal_handed_over="{deal}: {manager} ({stage})",
    )
    event = _updated(["responsible_id"], previous="mgr-9", title=None, contact=None)
    received, handed = handover_notifications(event, 3, "Обрабатываем", NAMES, mine)
    assert received.text == "mgr-9 → Мария Смирнова: «без названия», 3"
    assert handed.user_id == "mgr-9"
    assert handed.text == "без названия: Мария Смирнова (Обрабатываем)"
