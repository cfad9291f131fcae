"""What the notifier's commands and queries answer when they succeed (times as the notifier
writes them, `isoformat()` text). `Notification` here is an inbox item; the event of the same
name is in `notify.events`."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from crm_shared.contracts.base import Answer
from crm_shared.contracts.notify.kinds import NoticeKind
from crm_shared.contracts.text import Plain


class Notification(Answer):
    """One notification of a person's inbox."""

    id: Plain
    kind: NoticeKind
    text: Plain
    deal_id: Plain | None = None
    task: dict[str, Any] | None = None
    created_at: str
    read: bool


class NotificationsReply(Answer):
    """A page of the inbox, newest first, and how many are unread."""

    items: list[Notification]
    unread: int
    next_cursor: Plain | None = None


class ReadReply(Answer):
    """How many notifications were unread and now are read."""

    count: int


class DeliveriesReply(Answer):
    """Deliveries (rows as the notifier keeps them, times as ISO 8601 text) and how many."""

    items: list[dict[str, Any]]
    total: int


class NotRetried(Answer):
    """An asked-for delivery that was not retried, and why."""

    id: Plain
    reason: Plain


class RetryReply(Answer):
    """The deliveries retried, and why each other one asked for was not."""

    retried: list[Plain]
    not_retried: list[NotRetried] = Field(default_factory=list)


class NotificationsAboutReply(Answer):
    """The notifications about the deals, oldest first (free-form: the inbox's items)."""

    items: list[dict[str, Any]]
