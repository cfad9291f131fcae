"""Which channels each kind of notification takes, how long the inbox keeps them, and their
texts (SPEC §5 "Added in the second reading")."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Literal, NamedTuple

from pydantic import ValidationInfo, field_validator

from crm_shared.contracts.notify import NoticeKind

from ._base import Frozen, Text
from .durations import Duration, parse_clock

__all__ = [
    "CHANNEL_TYPES",
    "DEFAULT_QUIET_KINDS",
    "KINDS",
    "NOTIFICATION_KINDS",
    "PLACEHOLDERS",
    "ChannelType",
    "KindWords",
    "NotificationSettings",
    "NotificationTemplates",
]

ChannelType = Literal["bus", "webhook", "email"]
CHANNEL_TYPES: tuple[str, ...] = ("bus", "webhook", "email")


class KindWords(NamedTuple):
    """What the configuration says of one notice kind besides its template (which operators
    edit): the placeholders the template may use, the kind's Russian name (the inbox's kind
    column in `crm inbox`) and the subject of its e-mail."""

    placeholders: tuple[str, ...]
    name: str
    subject: str


_TASK = ("deal", "contact", "task", "manager", "deadline")
_DEAL = ("deal", "contact", "manager", "stage")
KINDS: dict[NoticeKind, KindWords] = {
    NoticeKind.task_assigned: KindWords(_TASK, "новая задача", "CRM: новая задача"),
    NoticeKind.task_overdue: KindWords((*_TASK, "lateness"), "просрочка", "CRM: просрочена задача"),
    NoticeKind.task_commented: KindWords(
        (*_TASK, "author", "comment"), "комментарий", "CRM: комментарий к просроченной задаче"
    ),
    NoticeKind.move_rejected: KindWords(
        (*_DEAL, "fields", "reason"), "отказ в переходе", "CRM: переход сделки отклонён"
    ),
    NoticeKind.approval_requested: KindWords(
        (*_DEAL, "from_stage", "asker", "attempts", "count"),
        "согласование",
        "CRM: менеджер просит согласовать провал сделки",
    ),
    NoticeKind.approval_declined: KindWords(
        (*_DEAL, "rop", "reason"), "отказ в согласовании", "CRM: РОП не согласовал провал сделки"
    ),
    NoticeKind.approval_granted: KindWords(
        (*_DEAL, "rop"), "согласовано", "CRM: РОП согласовал провал сделки"
    ),
    NoticeKind.deal_idle: KindWords(
        (*_DEAL, "idle", "threshold", "threshold_note"), "засиделась", "CRM: сделка засиделась"
    ),
    NoticeKind.idle_digest: KindWords(
        ("count", "deals"), "засидевшиеся сделки", "CRM: засидевшиеся сделки за день"
    ),
    NoticeKind.deal_received: KindWords(
        (*_DEAL, "previous", "count"), "сделка передана вам", "CRM: вам передана сделка"
    ),
    NoticeKind.deal_handed_over: KindWords(
        (*_DEAL, "previous", "count"),
        "сделка передана другому",
        "CRM: ваша сделка передана другому",
    ),
}
"""Every kind's words, keyed by the contracts' `NoticeKind`: a kind missing here, or from
NotificationTemplates' fields, stops the import (below), not a notice at run time."""

NOTIFICATION_KINDS: tuple[str, ...] = tuple(NoticeKind)
PLACEHOLDERS: dict[str, tuple[str, ...]] = {kind: w.placeholders for kind, w in KINDS.items()}
"""The placeholders each kind's template may use; any other is refused when loading."""
DEFAULT_QUIET_KINDS: dict[str, tuple[str, ...]] = {NoticeKind.task_assigned: ("bus",)}
"""Kinds that, unless a user's `notify` says otherwise, take only these of their channels:
a manager gets a task with every new lead, too many for e-mail or a webhook by default."""


class NotificationTemplates(Frozen):
    """Russian texts of the notifications; `{name}` placeholders are filled per kind.

    Every kind: {deal} (the deal's title, else «без названия»), {contact} (the client: the
    contact's name, else their phone as read, else their e-mail, else «контакт не указан»),
    {manager} (the responsible's name). The task kinds add {task} (the task's title; in a
    template that also says {contact}, without the client's name the title opens with, so
    the client is named once: `dto.beside_client`) and
    {deadline} («ДД.ММ.ГГГГ ЧЧ:ММ», the recipient's time); task_overdue
    {lateness} («2 ч 15 мин»); task_commented {author} and {comment}. The refused-move kinds add
    {stage} (the stage asked for); move_rejected {fields} (the missing fields' display names,
    else empty) and {reason} (what stands in the way: «не заполнены обязательные поля: …», else
    the refusal's sentence from crm_shared.locale); approval_requested {asker} (who asks),
    {from_stage} (the stage the attempts were made on), {count} (how many) and {attempts} (the
    latest, a line each: «1. 27.11.2026 15:00, Иван Иванов: не берёт трубку»); approval_declined
    {rop} (who declined) and {reason} (why); approval_granted {rop} (who agreed); deal_idle
    {stage} (where it sits), {idle} (how long with no activity), {threshold} (the stage's
    threshold, «2 мин») and {threshold_note} (the threshold said as where it comes from:
    «обычно сделки уходят с неё за 2 мин» when measured on the stage's moves, «порог стадии —
    2 мин» when it is the stage's idle_after); idle_digest {count} and {deals} (a line each:
    «Сделка — стадия, менеджер, без движения 3 дн. 2 ч»). The reassignment kinds,
    deal_received (to the new responsible) and deal_handed_over (to the previous one), add
    {stage} (where the deal is), {previous} (who had it, else «не назначен») and {count} (its
    open tasks, which came along); their {manager} is the new responsible.
    """

    task_assigned: Text = "Новая задача «{task}» по сделке «{deal}» ({contact}). Срок: {deadline}."
    task_overdue: Text = (
        "Задача «{task}» по сделке «{deal}» ({contact}) просрочена на {lateness}. "
        "Ответственный: {manager}."
    )
    task_commented: Text = (
        "{author} — о задаче «{task}» по сделке «{deal}» ({contact}): «{comment}»"
    )
    move_rejected: Text = (
        "Сделку «{deal}» ({contact}) нельзя перевести в стадию «{stage}»: {reason}."
    )
    approval_requested: Text = (
        "{asker} просит перевести сделку «{deal}» ({contact}) в стадию «{stage}». "
        "Попыток связаться на стадии «{from_stage}»: {count}.\n{attempts}\n"
        "Согласовать или отказать — на странице «РОП» («Ждут согласования»); согласовать "
        "можно и в карточке сделки, переведя её в эту стадию."
    )
    approval_declined: Text = (
        "{rop} не согласовал(а) перевод сделки «{deal}» ({contact}) в стадию «{stage}». "
        "Причина: {reason}"
    )
    approval_granted: Text = (
        "{rop} согласовал(а) перевод сделки «{deal}» ({contact}) в стадию «{stage}»: "
        "сделка переведена."
    )
    deal_idle: Text = (
        "Сделка «{deal}» ({contact}) засиделась на стадии «{stage}»: без движения {idle} "
        "({threshold_note})."
    )
    idle_digest: Text = "Засидевшихся сделок: {count}.\n{deals}"
    deal_received: Text = (
        "Вам передана сделка «{deal}» ({contact}), стадия «{stage}». Открытых задач: {count}."
    )
    deal_handed_over: Text = "Сделка «{deal}» ({contact}) передана: {manager}."

    @field_validator(*PLACEHOLDERS)
    @classmethod
    def _placeholders(cls, value: str, info: ValidationInfo) -> str:
        try:
            value.format_map(_Probe(PLACEHOLDERS[str(info.field_name)]))
        except _UnknownPlaceholder:
            raise
        except (ValueError, IndexError):
            raise ValueError(
                "шаблон не разбирается: одиночная фигурная скобка или пустые {} "
                "(фигурная скобка как текст пишется дважды: {{ и }})"
            ) from None
        return value


if set(KINDS) != set(NoticeKind) or set(NotificationTemplates.model_fields) != set(NoticeKind):
    raise RuntimeError("every NoticeKind needs its KINDS entry and its NotificationTemplates field")


class _UnknownPlaceholder(ValueError):
    pass


class _Probe(dict[str, str]):
    def __init__(self, known: tuple[str, ...]) -> None:
        super().__init__()
        self.known = known

    def __missing__(self, key: str) -> str:
        if key not in self.known:
            raise _UnknownPlaceholder(
                f"неизвестная подстановка {{{key}}}; известные: {', '.join(self.known)}"
            )
        return ""


class NotificationSettings(Frozen):
    """The notifier's inbox and texts: `retention` (how long a notification is kept in a
    user's inbox, read or not), `templates`, and `idle_digest_at`: the local time (the team's
    `timezone`, «ЧЧ:ММ») each РОП gets the day's list of idle deals, null for none."""

    retention: Duration = timedelta(days=90)
    templates: NotificationTemplates = NotificationTemplates()
    idle_digest_at: time | None = time(9, 0)

    @field_validator("idle_digest_at", mode="before")
    @classmethod
    def _clock(cls, value: object) -> object:
        return None if value is None else parse_clock(value, "09:00")
