"""What the notifier tells people: who gets a notification and its Russian text (SPEC §3).

Pure functions over the event payloads; the channels (bus, webhook, e-mail) are chosen
elsewhere. Codes stay in `missing_fields`; people read display names in `text`.
"""

from __future__ import annotations

from collections.abc import Mapping

from crm_shared.config import NotificationTemplates
from crm_shared.contracts.dto import Deal, Task, TaskComment
from crm_shared.contracts.events import MoveRejected, Notification

TASK_OVERDUE = "task_overdue"
MOVE_REJECTED = "move_rejected"
APPROVAL_REQUESTED = "approval_requested"
ROP_APPROVAL_REQUIRED = "rop_approval_required"
TASK_COMMENTED = "task_commented"
TASK_ASSIGNED = "task_assigned"

EMAIL_SUBJECTS = {
    TASK_OVERDUE: "CRM: просрочена задача",
    MOVE_REJECTED: "CRM: переход сделки отклонён",
    APPROVAL_REQUESTED: "CRM: менеджер просит согласовать провал сделки",
    TASK_COMMENTED: "CRM: комментарий к просроченной задаче",
    TASK_ASSIGNED: "CRM: новая задача",
}


def format_lateness(seconds: float) -> str:
    """How late, in Russian abbreviations that need no plural forms: «1 д 2 ч», «5 мин 3 с»."""
    total = max(0, round(seconds))
    days, rest = divmod(total, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, secs = divmod(rest, 60)
    parts = [(days, "д"), (hours, "ч"), (minutes, "мин"), (secs, "с")]
    shown = [f"{n} {unit}" for n, unit in parts if n]
    # Two units are precise enough for a person: "2 д 3 ч", not "2 д 3 ч 14 мин 5 с".
    return " ".join(shown[:2]) if shown else "0 с"


def overdue_recipient(task: Task, default_rop: str | None) -> str | None:
    """Who hears about an overdue task: its creator (the deal's РОП), else the default РОП."""
    return task.creator_id or default_rop


def _values(task: Task, **more: str) -> dict[str, str]:
    """The placeholders every template may use (see NotificationTemplates)."""
    return {
        "deal": task.deal_title or "без названия",
        "contact": task.contact_name or "контакт не указан",
        "task": task.title,
        "deadline": f"{task.deadline:%d.%m.%Y %H:%M} UTC" if task.deadline else "без срока",
        **more,
    }


def render(template: str, values: dict[str, str]) -> str:
    """Fill a configured template; a placeholder it lacks a value for stays empty."""
    return template.format_map(_Blank(values))


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


def assigned_notification(task: Task, templates: NotificationTemplates) -> Notification | None:
    """A new task reaches its responsible (None when it has none)."""
    if not task.responsible_id:
        return None
    text = render(templates.task_assigned, _values(task))
    return Notification(
        kind=TASK_ASSIGNED, text=text, deal_id=task.deal_id, user_id=task.responsible_id, task=task
    )


def overdue_notification(
    task: Task,
    overdue_seconds: float,
    recipient: str,
    responsible_name: str | None,
    templates: NotificationTemplates | None = None,
) -> Notification:
    """Rule 3: which task, which deal, which responsible let it lapse, by how long."""
    template = (templates or NotificationTemplates()).task_overdue
    who = responsible_name or task.responsible_id or "не назначен"
    text = render(template, _values(task, manager=who, lateness=format_lateness(overdue_seconds)))
    return Notification(
        kind=TASK_OVERDUE, text=text, deal_id=task.deal_id, user_id=recipient, task=task
    )


def deal_label(deal_id: str, deal: Deal | None) -> str:
    """A deal as people know it: «title» (contact name), the id only when nothing else."""
    if deal is None:
        return f"Сделка {deal_id}"
    title = f"«{deal.title}»" if deal.title else f"Сделка {deal_id}"
    name = deal.contact.name if deal.contact and deal.contact.name else None
    return f"{title} (клиент: {name})" if name else title


def move_rejected_notification(
    event: MoveRejected, stage_name: str, display_names: Mapping[str, str]
) -> Notification | None:
    """Rule 4: the responsible learns why the move was refused; None if the deal has none.

    A refusal that asks for the РОП's agreement (rule 6) is not the responsible's news: the
    asker has the refusal in the reply, and the РОП is asked (`approval_requested`).
    """
    if not event.responsible_id or event.error.code == ROP_APPROVAL_REQUIRED:
        return None
    missing = event.error.missing_fields or []
    where = f"{deal_label(event.deal_id, event.deal)}: нельзя перевести в стадию «{stage_name}»"
    if missing:
        names = ", ".join(display_names.get(code, code) for code in missing)
        text = f"{where}: не заполнены обязательные поля: {names}."
    else:
        text = f"{where}: {event.error.message}"
    return Notification(
        kind=MOVE_REJECTED,
        text=text,
        deal_id=event.deal_id,
        user_id=event.responsible_id,
        missing_fields=missing or None,
    )


def approval_requested_notification(
    event: MoveRejected,
    stage_name: str,
    from_stage_name: str,
    recipient: str | None,
    names: Mapping[str, str],
) -> Notification | None:
    """Rule 6: the deal's РОП is asked to agree to fail the deal; None unless that is the
    refusal, or with nobody to ask. `names` are users' display names by id."""
    if event.error.code != ROP_APPROVAL_REQUIRED or recipient is None:
        return None
    asker = names.get(event.actor_id or "", event.actor_id or "кто-то")
    attempts = event.deal.attempts if event.deal is not None else []
    count = event.deal.contact_attempts if event.deal is not None else len(attempts)
    lines = [
        f"{asker} просит перевести сделку {deal_label(event.deal_id, event.deal)} в стадию "
        f"«{stage_name}». Попыток связаться на стадии «{from_stage_name}»: {count}."
    ]
    for n, attempt in enumerate(attempts, start=1):
        who = names.get(attempt.actor_id, attempt.actor_id)
        note = f": {attempt.note}" if attempt.note else ""
        lines.append(f"{n}. {attempt.at:%d.%m.%Y %H:%M} UTC, {who}{note}")
    lines.append("Чтобы согласовать, переведите сделку в эту стадию сами.")
    return Notification(
        kind=APPROVAL_REQUESTED,
        text="\n".join(lines),
        deal_id=event.deal_id,
        user_id=recipient,
        actor_id=event.actor_id,
        attempts=list(attempts),
    )


def comment_recipient(task: Task, comment: TaskComment, default_rop: str | None) -> str | None:
    """Who hears of a comment: only on a task that went overdue (the РОП asks «по какой
    причине», the manager answers). Overdue as the overdue-by-manager report counts it: the
    deadline passed before the task was closed, or, while it is open, before the comment; so
    a task closed late still carries the talk about why. The responsible's comment goes to
    the task's creator (else the default РОП); anyone else's to the responsible; never to
    the author.
    """
    lapsed_by = task.closed_at or comment.at
    if task.deadline is None or task.deadline >= lapsed_by:
        return None
    if comment.author_id == task.responsible_id:
        recipient = task.creator_id or default_rop
    else:
        recipient = task.responsible_id
    return recipient if recipient and recipient != comment.author_id else None


def comment_notification(
    task: Task,
    comment: TaskComment,
    recipient: str,
    author_name: str | None,
    templates: NotificationTemplates,
) -> Notification:
    """The other side of an overdue task reads the comment."""
    who = author_name or comment.author_id
    text = render(templates.task_commented, _values(task, author=who, comment=comment.text))
    return Notification(
        kind=TASK_COMMENTED, text=text, deal_id=task.deal_id, user_id=recipient, task=task
    )
