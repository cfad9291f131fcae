"""What every use case needs, wired once in bootstrap."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import asyncpg

from crm_shared.config import CrmConfig
from crm_shared.machinery.outbox import UnitOfWork
from notifier.adapters.email import EmailSender
from notifier.adapters.metrics import NotifierMetrics
from notifier.adapters.webhook import WebhookSender
from notifier.domain.delivery import RetryPolicy

SOURCE = "crm/notifier"


def _ignore_deadline(deadline: datetime) -> None:
    """Default until bootstrap connects the watcher."""


def _ignore() -> None:
    """Default until bootstrap connects the delivery worker."""


@dataclass
class Context:
    """Configuration, a unit-of-work factory, metrics, senders, and who to wake.

    `deadline_added`, `idle_due_added` and `deliveries_added` are called after a commit that
    brought a new deadline, idle due time or delivery, so the sleeping loops look again at
    once rather than on a timer.
    """

    config: CrmConfig
    uow: Callable[[], UnitOfWork]
    pool: asyncpg.Pool  # for a write that is one statement: its own transaction, no BEGIN
    metrics: NotifierMetrics
    policy: RetryPolicy
    webhooks: WebhookSender
    email: EmailSender
    deadline_added: Callable[[datetime], None] = field(default=_ignore_deadline)
    idle_due_added: Callable[[datetime], None] = field(default=_ignore_deadline)
    deliveries_added: Callable[[], None] = field(default=_ignore)
