"""The notifier's pure parts: texts, retry schedule, HTTP verdicts, webhook signatures."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from standardwebhooks import Webhook

from crm_shared.config import FIELD_DISPLAY_NAMES
from crm_shared.dto import Task, TaskComment
from crm_shared.events import MoveRejected, RejectionError
from notifier.adapters.webhook import signed_headers
from notifier.domain.delivery import (
    RetryPolicy,
    Verdict,
    backoff_delay,
    judge_http,
    parse_retry_after,
)
from notifier.domain.messages import (
    comment_recipient,
    format_lateness,
    move_rejected_notification,
    overdue_notification,
    overdue_recipient,
)
from tests.notifier_support import whsec

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
POLICY = RetryPolicy(base=1.0, cap=60.0, failing_after=5)


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
    assert format_lateness(0.2) == "0 с"
    assert format_lateness(42) == "42 с"
    assert format_lateness(3 * 3600 + 5 * 60 + 7) == "3 ч 5 мин"
    assert format_lateness(2 * 86400 + 3600) == "2 д 1 ч"


def test_overdue_text_names_task_deal_responsible_and_lateness() -> None:
    task = _task(deal_title="Кирпич", contact_name="Анна")
    note = overdue_notification(task, 8100, "rop-1", "Иван Иванов")
    assert note.kind == "task_overdue" and note.user_id == "rop-1" and note.deal_id == "d-1"
    assert note.text == (
        "Задача «Анна. Получить ответ на КП» по сделке «Кирпич» (Анна) просрочена на 2 ч 15 мин."
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
    # Before the deadline, or on a closed task: nobody is told.
    assert comment_recipient(task, note("mgr-1", -5), "rop-9") is None
    closed = _task(status="closed", close_reason="completed", closed_at=NOW)
    assert comment_recipient(closed, note("mgr-1", 5), "rop-9") is None
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
    note = move_rejected_notification(event, "Сделали предложение", FIELD_DISPLAY_NAMES)
    assert note is not None and note.user_id == "mgr-2" and note.kind == "move_rejected"
    assert "«Сделали предложение»" in note.text
    assert "Требования, Предмет сделки" in note.text
    assert note.missing_fields == ["requirements", "subject"]
    orphan = event.model_copy(update={"responsible_id": None})
    assert move_rejected_notification(orphan, "x", FIELD_DISPLAY_NAMES) is None


def test_backoff_grows_with_jitter_up_to_the_cap() -> None:
    low = [backoff_delay(n, POLICY, lambda: 0.0) for n in range(1, 10)]
    high = [backoff_delay(n, POLICY, lambda: 0.999) for n in range(1, 10)]
    assert low[:4] == [0.5, 1.0, 2.0, 4.0]
    assert all(h < 2 * lo for lo, h in zip(low, high, strict=True))
    assert max(high) <= POLICY.cap


def test_retry_after_as_seconds_or_http_date() -> None:
    assert parse_retry_after("7", NOW) == 7.0
    later = format_datetime(NOW + timedelta(seconds=30), usegmt=True)
    assert parse_retry_after(later, NOW) == 30.0
    assert parse_retry_after("soon", NOW) is None
    assert parse_retry_after(None, NOW) is None


def test_http_verdicts() -> None:
    def judge(status: int | None, retry_after: str | None = None) -> tuple[Verdict, float]:
        d = judge_http(status, retry_after, 1, POLICY, NOW, lambda: 0.0)
        return d.verdict, d.delay

    assert judge(204) == (Verdict.delivered, 0.0)
    assert judge(410) == (Verdict.disable, 0.0)
    assert judge(500) == (Verdict.retry, 0.5)
    assert judge(429, "3") == (Verdict.retry, 3.0)
    assert judge(None) == (Verdict.retry, 0.5)


def test_signature_verifies_with_the_reference_package() -> None:
    secret = whsec()
    key = base64.b64decode(secret.removeprefix("whsec_"))
    body = '{"text": "Просрочена задача"}'.encode()
    headers = signed_headers(key, "msg-1", body, datetime.now(UTC))
    assert headers["webhook-signature"].startswith("v1,")
    assert Webhook(secret).verify(body, headers) == {"text": "Просрочена задача"}
