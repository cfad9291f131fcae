"""The codes people see as words: a task's status and why it closed, a notice's kind, a
delivery's channel and state, a deal's delivery method and way of paying. One home for the
board and the CLI; a code not listed here is shown as it is (an operator's own value)."""

from __future__ import annotations

from collections.abc import Mapping

PAYS_BY = {"cash": "Наличными", "online": "Онлайн", "invoice": "По счёту"}
DELIVERY = {"delivery": "Доставка", "pickup": "Самовывоз"}
CLOSE_REASONS = {
    "completed": "выполнена",
    "stage_left": "сделка ушла со стадии",
    "deal_closed": "сделка закрыта",
    "rop_set": "РОП указан",
}
IDLE_SOURCES = {
    "history": "по истории (80-й перцентиль)",
    "config": "из настроек (idle_after)",
    "none": "не отслеживается",
}
"""Where a stage's idle threshold comes from (`IdleThreshold.source`)."""
TASK_STATUSES = {"open": "открыта", "closed": "закрыта"}
NOTICE_KINDS = {
    "task_assigned": "новая задача",
    "task_overdue": "просрочка",
    "move_rejected": "отказ в переходе",
    "approval_requested": "согласование",
    "approval_declined": "отказ в согласовании",
    "approval_granted": "согласовано",
    "task_commented": "комментарий",
    "deal_idle": "засиделась",
    "idle_digest": "засидевшиеся сделки",
    "deal_received": "сделка передана вам",
    "deal_handed_over": "сделка передана другому",
}
"""A notice's kind (`NoticeKind`) as `crm inbox` and `crm events` say it: the same words as
the configuration's `KINDS` (tests/unit/test_notice_kinds.py holds them together)."""
DEAD_LETTER_KINDS = {
    "invalid": "не по контракту, не прочитано",
    "too_large": "слишком большое сообщение",
    "rejected": "отклонено сервисом",
    "failed": "не обработано после всех попыток",
}
"""Why a message was dead-lettered (the letter's `kind`), as `crm dlq list` says it; the
service's own diagnostic follows in quotes."""
CHANNELS = {"webhook": "вебхук", "email": "e-mail", "inbox": "входящие"}
DELIVERY_STATES = {"failed": "неудавшихся", "pending": "ожидающих", "delivered": "доставленных"}
"""A delivery's state as the CLI counts them: «1 из 1 неудавшихся доставок»."""
HEALTH_PARTS = {"nats": "NATS", "postgres": "PostgreSQL"}
"""A part of a service's /healthz report as the operator names it (`nats` → NATS)."""
HEALTH_STATES = {
    "connecting": "подключается",
    "reconnecting": "переподключается",
    "starting": "запускается",
    "stopping": "останавливается",
    "failed": "сбой",
}
"""A /healthz state in words, as `make run`'s launcher says what a service waits for."""


def word(words: Mapping[str, str], code: str | None) -> str:
    """The word of `code` in `words`; the code itself when unknown; none → «—»."""
    if not code:
        return "—"
    return words.get(code, code)


def task_status(status: str, close_reason: str | None = None) -> str:
    """«открыта», or «закрыта: выполнена» (why it closed)."""
    if status != "closed":
        return word(TASK_STATUSES, status)
    reason = word(CLOSE_REASONS, close_reason) if close_reason else ""
    return f"закрыта: {reason}" if reason else "закрыта"


def count(n: int, one: str, few: str, many: str) -> str:
    """«1 сделка», «3 сделки», «5 сделок»: a number with the noun in its Russian form."""
    tens, units = n % 100, n % 10
    if units == 1 and tens != 11:
        noun = one
    elif 2 <= units <= 4 and not 12 <= tens <= 14:
        noun = few
    else:
        noun = many
    return f"{n} {noun}"
