"""The notifier's pure parts: texts, retry schedule, HTTP verdicts, webhook signatures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from crm_shared.config import FIELD_DISPLAY_NAMES, NotificationTemplates
from crm_shared.contracts.deal import MoveRejected, RejectionError
from crm_shared.contracts.dto import Contact, Deal, Task, TaskComment
from notifier.domain.delivery import (
    RetryPolicy,
)
from notifier.domain.messages import (
    approval_recipients,
    approval_requested_notifications,
    assigned_notification,
    comment_notification,
    comment_recipient,
    format_lateness,
    move_rejected_notification,
    overdue_notification,
    overdue_recipient,
)

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
TEMPLATES = NotificationTemplates()
NAMES = {"mgr-1": "Иван", "mgr-2": "Мария", "rop-1": "Анна"}
POLICY = RetryPolicy(base=1.0, cap=60.0, max_attempts=5)


def _task(**fields: object) -> Task:
    base: dict[str, object] = {
        "id": "t-1",
        "deal_id": "d-1",
        "title": "Анна. Получить ответ на КП",
        "creator_id": "rop-1",
        "responsible_id": "mgr-1",
        "deadline": NOW,
        "opened_at": NOW - timedelta(days=2),
    }
    return Task.model_validate({**base, **fields})


def test_lateness_reads_as_two_units_at_most() -> None:
    assert format_lateness(0.2) == "1 с"  # found the moment it lapsed: never «на 0 с»
    assert format_lateness(42) == "42 с"
    assert format_lateness(3 * 3600 + 5 * 60 + 7) == "3 ч 5 мин"
    assert format_lateness(2 * 86400 + 3600) == "2 дн. 1 ч"


def test_overdue_text_names_task_deal_responsible_and_lateness() -> None:
    task = _task(deal_title="Кирпич", contact_name="Анна")
    note = overdue_notification(task, 8100, "rop-1", "Иван Иванов")
    assert note.kind == "task_overdue" and note.user_id == "rop-1" and note.deal_id == "d-1"
    assert note.text == (
        "Задача «Получить ответ на КП» по сделке «Кирпич» (Анна) просрочена на 2 ч 15 мин."
        " Ответственный: Иван Иванов."
    )
    assert "d-1" not in note.text  # the deal by its title and contact, never by its id
    untitled = overdue_notification(_task(), 3725, "rop-1", None).text
    assert "«без названия» (контакт не указан)" in untitled and "mgr-1" in untitled
    assert note.task is not None and note.task.id == "t-1"


def test_a_comment_on_an_overdue_task_reaches_the_other_side() -> None:
    def note(author: str, minutes_after_deadline: int) -> TaskComment:
        at = NOW + timedelta(minutes=minutes_after_deadline)
        return TaskComment(author_id=author, text="?", at=at)

    task = _task()  # responsible mgr-1, creator rop-1, deadline NOW
    assert comment_recipient(task, note("mgr-1", 5), "rop-9") == "rop-1"
    assert comment_recipient(task, note("rop-1", 5), "rop-9") == "mgr-1"
    assert comment_recipient(task, note("rop-2", 5), "rop-9") == "mgr-1"  # any other РОП
    assert comment_recipient(_task(creator_id=None), note("mgr-1", 5), "rop-9") == "rop-9"
    # Before the deadline, or on a task closed in time: nobody is told.
    assert comment_recipient(task, note("mgr-1", -5), "rop-9") is None
    in_time = _task(status="closed", close_reason="completed", closed_at=NOW)
    assert comment_recipient(in_time, note("mgr-1", 5), "rop-9") is None
    # A task closed late is still one that lapsed: the РОП's «why» reaches the manager.
    late = NOW + timedelta(hours=3)
    closed_late = _task(status="closed", close_reason="stage_left", closed_at=late)
    assert comment_recipient(closed_late, note("rop-1", 200), "rop-9") == "mgr-1"
    assert comment_recipient(closed_late, note("mgr-1", 240), "rop-9") == "rop-1"
    # Never the author: a responsible who is also the creator talks to nobody.
    assert comment_recipient(_task(creator_id="mgr-1"), note("mgr-1", 5), None) is None


def test_overdue_goes_to_creator_else_default_rop() -> None:
    assert overdue_recipient(_task(), "rop-2") == "rop-1"
    assert overdue_recipient(_task(creator_id=None), "rop-2") == "rop-2"
    assert overdue_recipient(_task(creator_id=None), None) is None


def test_move_rejected_text_uses_russian_field_names() -> None:
    event = MoveRejected(
        deal_id="d-1",
        to_stage="OFFER_MADE",
        actor_id="mgr-1",
        error=RejectionError(
            code="missing_fields", message="...", missing_fields=["requirements", "subject"]
        ),
        responsible_id="mgr-2",
    )
    note = move_rejected_notification(
        event, "Сделали предложение", FIELD_DISPLAY_NAMES, TEMPLATES, NAMES
    )
    assert note is not None and note.user_id == "mgr-2" and note.kind == "move_rejected"
    assert note.text == (
        "Сделку «без названия» (контакт не указан) нельзя перевести в стадию «Сделали "
        "предложение»: не заполнены обязательные поля: Требования, Предмет сделки."
    )
    assert note.missing_fields == ["requirements", "subject"]
    # too few attempts to reach the client is said as such: it is no field to fill
    tried = RejectionError(
        code="missing_fields",
        message="...",
        missing_fields=["contact_attempts"],
        params={"attempts": "1", "required": "3"},
    )
    note = move_rejected_notification(
        event.model_copy(update={"error": tried}), "Перестал", FIELD_DISPLAY_NAMES, TEMPLATES, NAMES
    )
    assert note is not None and note.text.endswith(
        "«Перестал»: неудачных попыток связаться с клиентом на этой стадии: 1, а нужно 3."
    ), note
    orphan = event.model_copy(update={"responsible_id": None})
    assert move_rejected_notification(orphan, "x", FIELD_DISPLAY_NAMES, TEMPLATES, NAMES) is None
    # The configured text, with every placeholder of its kind.
    mine = NotificationTemplates(move_rejected="{manager}: {deal}/{contact} → {stage}: {fields}")
    note = move_rejected_notification(event, "КП", FIELD_DISPLAY_NAMES, mine, NAMES)
    assert note is not None
    assert note.text == "Мария: без названия/контакт не указан → КП: Требования, Предмет сделки"
    # A refusal without missing fields reads as the catalogue's sentence, never the English
    # message (issue 21: a refused WON of a pickup deal).
    params = {"reason": "success_from", "method": "pickup", "source": "PAID", "stage": "WON"}
    refused = RejectionError(
        code="transition_not_allowed", message="a deal with ...", params=params
    )
    other = event.model_copy(update={"error": refused})
    stages = {"PAID": "Получили оплату", "WON": "Успешно"}
    note = move_rejected_notification(other, "КП", FIELD_DISPLAY_NAMES, TEMPLATES, NAMES, stages)
    assert note is not None and note.text.endswith(
        "«КП»: сделка со способом доставки «самовывоз» выигрывается только из стадии "
        "«Получили оплату»."
    )
    unknown = event.model_copy(update={"error": RejectionError(code="new_code", message="x y")})
    note = move_rejected_notification(unknown, "КП", FIELD_DISPLAY_NAMES, TEMPLATES, NAMES)
    assert note is not None and note.text.endswith("«КП»: переход отклонён правилами CRM.")


def test_a_refused_move_of_a_phone_only_client_names_the_phone() -> None:
    deal = Deal.model_validate(
        {"id": "d-1", "version": 2, "stage": "NEW_LEAD", "title": "Звонок",
         "contact": {"id": "c-1", "phone": "+79123456789"}, "created_at": NOW, "updated_at": NOW}
    )  # fmt: skip
    event = MoveRejected(
        deal_id="d-1",
        to_stage="OFFER_MADE",
        actor_id="mgr-1",
        error=RejectionError(code="missing_fields", message="...", missing_fields=["subject"]),
        responsible_id="mgr-1",
        deal=deal,
    )
    note = move_rejected_notification(event, "КП", FIELD_DISPLAY_NAMES, TEMPLATES, NAMES)
    assert note is not None and "«Звонок» (+7 912 345-67-89)" in note.text
    by_mail = deal.model_copy(update={"contact": Contact(id="c-1", email="o@example.ru")})
    note = move_rejected_notification(
        event.model_copy(update={"deal": by_mail}), "КП", FIELD_DISPLAY_NAMES, TEMPLATES, NAMES
    )
    assert note is not None and "«Звонок» (o@example.ru)" in note.text


def test_approval_request_goes_to_the_rop_with_the_attempts() -> None:
    deal = Deal.model_validate(
        {
            "id": "d-1",
            "version": 4,
            "stage": "PROCESSING",
            "title": "Поставка",
            "contact": {"id": "c-1", "name": "Ольга"},
            "rop_id": "rop-1",
            "contact_attempts": 3,
            "attempts": [
                {"actor_id": "mgr-1", "note": "не берёт", "at": NOW},
                {"actor_id": "mgr-2", "note": None, "at": NOW},
            ],
            "created_at": NOW,
            "updated_at": NOW,
        }
    )
    event = MoveRejected(
        deal_id="d-1",
        to_stage="LOST_NO_CONTACT",
        actor_id="mgr-1",
        error=RejectionError(code="rop_approval_required", message="..."),
        responsible_id="mgr-1",
        from_stage="PROCESSING",
        deal=deal,
    )
    # the manager is not told: the reply is their answer
    assert move_rejected_notification(event, "x", FIELD_DISPLAY_NAMES, TEMPLATES, NAMES) is None
    [note] = approval_requested_notifications(
        event, "Перестал", "Обрабатываем", ["rop-1"], NAMES, TEMPLATES
    )
    assert note.kind == "approval_requested" and note.user_id == "rop-1"
    assert note.text.splitlines() == [
        "Иван просит перевести сделку «Поставка» (Ольга) в стадию «Перестал». "
        "Попыток связаться на стадии «Обрабатываем»: 3.",
        "1. 27.11.2026 15:00, Иван: не берёт",  # Moscow: the default zone
        "2. 27.11.2026 15:00, Мария",
        # the РОП page agrees or declines in one click: the notice points there
        "Согласовать или отказать — на странице «РОП» («Ждут согласования»); согласовать "
        "можно и в карточке сделки, переведя её в эту стадию.",
    ]
    assert note.actor_id == "mgr-1" and note.attempts == deal.attempts
    # nobody to ask: nothing; every РОП asked: one each, the same text
    assert approval_requested_notifications(event, "x", "y", [], NAMES, TEMPLATES) == []
    both = approval_requested_notifications(event, "x", "y", ["rop-1", "rop-2"], NAMES, TEMPLATES)
    assert [n.user_id for n in both] == ["rop-1", "rop-2"] and both[0].text == both[1].text
    other = event.model_copy(update={"error": RejectionError(code="missing_fields", message="")})
    assert approval_requested_notifications(other, "x", "y", ["rop-1"], NAMES, TEMPLATES) == []
    mine = NotificationTemplates(approval_requested="{asker}/{manager}: {count}, {from_stage}")
    [note] = approval_requested_notifications(event, "x", "Обр", ["rop-1"], NAMES, mine)
    assert note.text == "Иван/Иван: 3, Обр"


def test_approval_is_asked_of_the_deals_rop_else_the_default_else_every_rop() -> None:
    assert approval_recipients("rop-1", "rop-2", ["rop-1", "rop-2", "rop-3"]) == ["rop-1"]
    assert approval_recipients(None, "rop-2", ["rop-1", "rop-2", "rop-3"]) == ["rop-2"]
    assert approval_recipients(None, None, ["rop-1", "rop-3"]) == ["rop-1", "rop-3"]
    assert approval_recipients(None, None, []) == []


def test_task_texts_name_the_responsible_as_manager() -> None:
    everything = "{manager}|{task}|{deal}|{contact}|{deadline}"
    mine = NotificationTemplates(task_assigned=everything, task_commented="{manager}: {comment}")
    task = _task(deal_title="Кирпич", contact_name="Анна")
    note = assigned_notification(task, mine, "Иван Иванов")
    assert note is not None
    assert note.text == "Иван Иванов|Получить ответ на КП|Кирпич|Анна|27.11.2026 15:00"
    # the recipient's own clock (their `timezone`, else the configuration's)
    yekaterinburg = assigned_notification(
        task, mine, "Иван", lambda _: ZoneInfo("Asia/Yekaterinburg")
    )
    assert yekaterinburg is not None and yekaterinburg.text.endswith("|27.11.2026 17:00")
    comment = TaskComment(author_id="rop-1", text="почему?", at=NOW)
    note = comment_notification(task, comment, "mgr-1", "Анна", mine, "Иван Иванов")
    assert note.text == "Иван Иванов: почему?"
    # without a name, the responsible's id rather than nothing
    note = assigned_notification(task, mine, None)
    assert note is not None and note.text.startswith("mgr-1|")


def test_an_unknown_stage_is_not_repeated_in_the_notification() -> None:
    """Issue 10: the stage code (and the refusal's message, which quotes it) is the caller's
    text; the responsible reads that the funnel has no such stage, not the text itself."""
    event = MoveRejected(
        deal_id="d-1",
        to_stage="<b>EVIL-STAGE</b>",
        actor_id="mgr-1",
        error=RejectionError(code="invalid", message="unknown stage '<b>EVIL-STAGE</b>'"),
        responsible_id="mgr-2",
    )
    note = move_rejected_notification(event, None, FIELD_DISPLAY_NAMES, TEMPLATES, NAMES)
    assert note is not None
    assert "EVIL" not in note.text, note.text
    assert "(нет такой стадии)" in note.text and "такой стадии нет в воронке" in note.text
