"""Which channels each kind of notification takes, how long the inbox keeps them, and their
texts (SPEC §5 "Added in the second reading")."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from pydantic import field_validator

from ._base import Frozen, Text
from .durations import Duration

__all__ = [
    "CHANNEL_TYPES",
    "DEFAULT_QUIET_KINDS",
    "NOTIFICATION_KINDS",
    "ChannelType",
    "NotificationSettings",
    "NotificationTemplates",
]

ChannelType = Literal["bus", "webhook", "email"]
CHANNEL_TYPES: tuple[str, ...] = ("bus", "webhook", "email")
NOTIFICATION_KINDS: tuple[str, ...] = (
    "task_assigned",
    "task_overdue",
    "move_rejected",
    "approval_requested",
    "task_commented",
)
DEFAULT_QUIET_KINDS: dict[str, tuple[str, ...]] = {"task_assigned": ("bus",)}
"""Kinds that, unless a user's `notify` says otherwise, take only these of their channels:
a manager gets a task with every new lead, too many for e-mail or a webhook by default."""


class NotificationTemplates(Frozen):
    """Russian texts of the notifications; `{name}` placeholders are filled per kind.

    Everywhere: {deal} (the deal's title, else «без названия»), {contact} (the contact's
    name, else «контакт не указан»), {task} (the task's title), {manager} (the responsible's
    name), {deadline} (the task's deadline, «ДД.ММ.ГГГГ ЧЧ:ММ UTC»). task_overdue adds
    {lateness} («2 ч 15 мин»); task_commented adds {author} and {comment}.
    """

    task_assigned: Text = "Новая задача «{task}» по сделке «{deal}» ({contact}). Срок: {deadline}."
    task_overdue: Text = (
        "Задача «{task}» по сделке «{deal}» ({contact}) просрочена на {lateness}. "
        "Ответственный: {manager}."
    )
    task_commented: Text = (
        "{author} — о задаче «{task}» по сделке «{deal}» ({contact}): «{comment}»"
    )

    @field_validator("task_assigned", "task_overdue", "task_commented")
    @classmethod
    def _placeholders(cls, value: str) -> str:
        try:
            value.format_map(_Probe())
        except (ValueError, IndexError) as exc:
            raise ValueError(f"not a usable template: {exc}") from None
        return value


class _Probe(dict[str, str]):
    def __missing__(self, key: str) -> str:
        if key not in _PLACEHOLDERS:
            raise ValueError(f"unknown placeholder {{{key}}}; known: {', '.join(_PLACEHOLDERS)}")
        return ""


_PLACEHOLDERS = ("deal", "contact", "task", "manager", "deadline", "lateness", "author", "comment")


class NotificationSettings(Frozen):
    """The notifier's inbox and texts: `retention` (how long a notification is kept in a
    user's inbox, read or not) and `templates`."""

    retention: Duration = timedelta(days=90)
    templates: NotificationTemplates = NotificationTemplates()
