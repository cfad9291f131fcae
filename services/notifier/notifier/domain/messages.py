"""What the notifier tells people: who gets a notification and its Russian text (SPEC §3).

Pure functions over the event payloads; the channels (bus, webhook, e-mail) are chosen
elsewhere. Codes stay in `missing_fields`; people read display names in `text`, times on the
recipient's clock (`zone_of`: the configuration's `CrmConfig.zone`) and refusals in the
sentences of crm_shared.locale, never a service's English `message`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from crm_shared.config import KINDS, NotificationTemplates
from crm_shared.contracts.deal import ApprovalDeclined, ApprovalGranted, MoveRejected
from crm_shared.contracts.dto import Task, TaskComment, beside_client, client_of
from crm_shared.contracts.notify import NoticeKind, Notification
from crm_shared.contracts.refusals import ErrorCode
from crm_shared.locale import MOVE_GENERAL, duration, moment, say

ZoneOf = Callable[[str | None], ZoneInfo]
"""A recipient's zone by user id (CrmConfig.zone)."""


def _team_zone(_user_id: str | None) -> ZoneInfo:
    return ZoneInfo("Europe/Moscow")  # the configuration's default `timezone`


EMAIL_SUBJECTS: dict[str, str] = {kind: words.subject for kind, words in KINDS.items()}
"""An e-mail's subject by its notification's kind (the configuration's `KINDS`)."""


def format_lateness(seconds: float) -> str:
    """How late, in two units (precise enough for a person): «2 дн. 3 ч», «5 мин 3 с»; a
    task found the moment it lapsed is «1 с» late, never «просрочена на 0 с»."""
    return duration(max(seconds, 1))


def overdue_recipient(task: Task, default_rop: str | None) -> str | None:
    """Who hears about an overdue task: its creator (the deal's РОП), else the default РОП;
    of a task a person set (`own`), the deal's РОП (`rop_id`), else the default РОП."""
    if task.kind == "own":
        return task.rop_id or default_rop
    return task.creator_id or default_rop


def _when(at: datetime | None, zone: ZoneInfo) -> str:
    return moment(at, zone) if at else "без срока"


def _values(task: Task, manager_name: str | None, zone: ZoneInfo, **more: str) -> dict[str, str]:
    """The placeholders of the task kinds (see NotificationTemplates); times on `zone`."""
    return {
        "deal": task.deal_title or "без названия",
        "contact": task.contact_name or "контакт не указан",
        "task": task.title,
        "manager": manager_name or task.responsible_id or "не назначен",
        "deadline": _when(task.deadline, zone),
        **more,
    }


def render(template: str, values: dict[str, str]) -> str:
    """Fill a configured template; a placeholder it lacks a value for stays empty."""
    if "{contact}" in template and "task" in values:  # the client named once: beside_client
        values = {**values, "task": beside_client(values["task"], values["contact"])}
    return template.format_map(_Blank(values))


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


def assigned_notification(
    task: Task,
    templates: NotificationTemplates,
    manager_name: str | None = None,
    zone_of: ZoneOf = _team_zone,
) -> Notification | None:
    """A new task reaches its responsible (None when it has none); `manager_name` is the
    responsible's display name."""
    if not task.responsible_id:
        return None
    text = render(
        templates.task_assigned, _values(task, manager_name, zone_of(task.responsible_id))
    )
    return Notification(
        kind=NoticeKind.task_assigned,
        text=text,
        deal_id=task.deal_id,
        user_id=task.responsible_id,
        task=task,
    )


def overdue_notification(
    task: Task,
    overdue_seconds: float,
    recipient: str,
    responsible_name: str | None,
    templates: NotificationTemplates | None = None,
    zone_of: ZoneOf = _team_zone,
) -> Notification:
    """Rule 3: which task, which deal, which responsible let it lapse, by how long."""
    template = (templates or NotificationTemplates()).task_overdue
    lateness = format_lateness(overdue_seconds)
    values = _values(task, responsible_name, zone_of(recipient), lateness=lateness)
    text = render(template, values)
    return Notification(
        kind=NoticeKind.task_overdue, text=text, deal_id=task.deal_id, user_id=recipient, task=task
    )


def _deal_values(event: MoveRejected, stage_name: str, names: Mapping[str, str]) -> dict[str, str]:
    """The placeholders of the refused-move kinds (see NotificationTemplates)."""
    deal, responsible = event.deal, event.responsible_id
    contact = client_of(deal)
    return {
        "deal": (deal.title if deal is not None else None) or "без названия",
        "contact": contact or "контакт не указан",
        "manager": names.get(responsible, responsible) if responsible else "не назначен",
        "stage": stage_name,
    }


UNKNOWN_STAGE = "(нет такой стадии)"
UNKNOWN_STAGE_REASON = "такой стадии нет в воронке"


def move_rejected_notification(
    event: MoveRejected,
    stage_name: str | None,
    display_names: Mapping[str, str],
    templates: NotificationTemplates,
    names: Mapping[str, str],
    stage_names: Mapping[str, str] | None = None,
) -> Notification | None:
    """Rule 4: the responsible learns why the move was refused; None if the deal has none.

    `stage_name` is None for a stage the funnel does not have: the code and the refusal's
    message (which quotes it) are the caller's text, and neither is repeated to anyone.
    `display_names` are the fields' Russian names by code, `names` users' names by id,
    `stage_names` the stages' by code (for the catalogue's sentence of the refusal). A
    refusal that asks for the РОП's agreement (rule 6) is not the responsible's news: the
    asker has the refusal in the reply, and the РОП is asked (`approval_requested`).
    """
    if not event.responsible_id or event.error.code == ErrorCode.rop_approval_required:
        return None
    missing = event.error.missing_fields or []
    fields = ", ".join(display_names.get(code, code) for code in missing)
    if stage_name is None:
        reason = UNKNOWN_STAGE_REASON
    elif missing and "contact_attempts" not in missing:
        reason = f"не заполнены обязательные поля: {fields}"
    else:  # too few attempts to reach the client is no field: the catalogue says it
        sentence = say(event.error.model_dump(), stage_names, MOVE_GENERAL)
        # it follows a colon: «…: такой переход не разрешён…» (but «РОП …» stays as it is)
        lower = sentence[1:2].islower()
        reason = sentence[:1].lower() + sentence[1:] if lower else sentence
    values = _deal_values(event, stage_name or UNKNOWN_STAGE, names) | {
        "fields": fields,
        "reason": reason.rstrip("."),
    }
    return Notification(
        kind=NoticeKind.move_rejected,
        text=render(templates.move_rejected, values),
        deal_id=event.deal_id,
        user_id=event.responsible_id,
        missing_fields=missing or None,
    )


def approval_recipients(
    deal_rop: str | None, default_rop: str | None, rops: Sequence[str]
) -> list[str]:
    """Who is asked to agree to fail a deal (rule 6): the deal's РОП, else the default РОП,
    else every user with role rop (any of them may make the move then); [] with no РОП."""
    if deal_rop:
        return [deal_rop]
    if default_rop:
        return [default_rop]
    return list(rops)


def approval_requested_notifications(
    event: MoveRejected,
    stage_name: str,
    from_stage_name: str,
    recipients: Sequence[str],
    names: Mapping[str, str],
    templates: NotificationTemplates,
    zone_of: ZoneOf = _team_zone,
) -> list[Notification]:
    """Rule 6: the РОП is asked to agree to fail the deal, one notification per recipient
    (`approval_recipients`), the attempts' times on each one's clock; none unless that is the
    refusal. `names` are users' names."""
    if event.error.code != ErrorCode.rop_approval_required:
        return []
    attempts = event.deal.attempts if event.deal is not None else []
    count = event.deal.contact_attempts if event.deal is not None else len(attempts)

    def text_for(recipient: str) -> str:
        lines = []
        for n, attempt in enumerate(attempts, start=1):
            who = names.get(attempt.actor_id, attempt.actor_id)
            note = f": {attempt.note}" if attempt.note else ""
            lines.append(f"{n}. {moment(attempt.at, zone_of(recipient))}, {who}{note}")
        values = _deal_values(event, stage_name, names) | {
            "asker": names.get(event.actor_id or "", event.actor_id or "кто-то"),
            "from_stage": from_stage_name,
            "count": str(count),
            "attempts": "\n".join(lines),
        }
        return render(templates.approval_requested, values)

    return [
        Notification(
            kind=NoticeKind.approval_requested,
            text=text_for(recipient),
            deal_id=event.deal_id,
            user_id=recipient,
            actor_id=event.actor_id,
            attempts=list(attempts),
        )
        for recipient in recipients
    ]


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
    manager_name: str | None = None,
    zone_of: ZoneOf = _team_zone,
) -> Notification:
    """The other side of an overdue task reads the comment; the names are the author's and
    the responsible's."""
    who = author_name or comment.author_id
    values = _values(task, manager_name, zone_of(recipient), author=who, comment=comment.text)
    text = render(templates.task_commented, values)
    return Notification(
        kind=NoticeKind.task_commented,
        text=text,
        deal_id=task.deal_id,
        user_id=recipient,
        task=task,
    )


def approval_answer_notification(
    event: ApprovalDeclined | ApprovalGranted,
    stage_name: str,
    names: Mapping[str, str],
    templates: NotificationTemplates,
) -> Notification:
    """Whoever asked for the move learns the РОП's answer: declined, and why, or agreed
    (the РОП made the move)."""
    deal = event.deal
    responsible = deal.responsible_id
    values = {
        "deal": deal.title or "без названия",
        "contact": client_of(deal) or "контакт не указан",
        "manager": names.get(responsible, responsible) if responsible else "не назначен",
        "stage": stage_name,
        "rop": names.get(event.actor_id, event.actor_id),
    }
    if isinstance(event, ApprovalDeclined):
        kind, template = NoticeKind.approval_declined, templates.approval_declined
        values["reason"] = event.reason
    else:
        kind, template = NoticeKind.approval_granted, templates.approval_granted
    return Notification(
        kind=kind,
        text=render(template, values),
        deal_id=event.deal_id,
        user_id=event.asked_by,
        actor_id=event.actor_id,
    )
