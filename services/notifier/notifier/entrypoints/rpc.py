"""Request/reply subjects of the notifier (the inbox, and failed deliveries retried by hand)
and the events it emits, on its FastStream router.

The router the service runs is the one the AsyncAPI document describes (`tools.crm_api`).
"""

from __future__ import annotations

from crm_shared.contracts.deal import ApprovalDeclined, ApprovalGranted, DealWentIdle, MoveRejected
from crm_shared.contracts.notify import (
    IdleDeals,
    IdleThresholds,
    ListDeliveries,
    ListNotifications,
    Notification,
    NotificationsAbout,
    NotificationsRead,
    ReadNotifications,
    RetryDeliveries,
)
from crm_shared.contracts.task import TaskOverdue
from crm_shared.machinery.rpc import Endpoints
from notifier.entrypoints.consumers import DEAL_EVENTS, STREAM, TASK_EVENTS
from notifier.handlers import idle_queries, inbox, retries
from notifier.handlers.context import Context
from notifier.handlers.declines import CONSUMER as DECLINES
from notifier.handlers.declines import GRANTED
from notifier.handlers.idle import CONSUMER as DEALS
from notifier.handlers.rejections import CONSUMER as REJECTIONS
from notifier.handlers.tasks import CONSUMER as TASKS

SERVICE = "notifier"


def endpoints() -> Endpoints[Context]:
    """One subscriber per subject in the service's queue group; each always replies."""
    api = Endpoints[Context](SERVICE)
    api.serve(ListDeliveries, retries.list_deliveries, reply="items, total")
    api.serve(RetryDeliveries, retries.retry_deliveries, reply="retried, not_retried")
    api.serve(ListNotifications, inbox.list_notifications, reply="items, unread, next_cursor")
    api.serve(ReadNotifications, inbox.read_notifications, reply="count")
    api.serve(NotificationsAbout, inbox.notifications_about, reply="items")
    api.serve(IdleDeals, idle_queries.idle_deals, reply="items")
    api.serve(IdleThresholds, idle_queries.idle_thresholds, reply="computed_at, items")
    api.emit(TaskOverdue, "An open task passed its deadline (once per task).")
    api.emit(DealWentIdle, "A deal went idle («засиделась»; once per idle stretch).")
    api.emit(
        Notification,
        "A notification for one user: crm.notify.<user_id>.",
        subject=Notification.SUBJECT + ".{user_id}",
    )
    api.emit(
        NotificationsRead,
        "A user's notifications that became read by themselves: crm.notify.<user_id>.read.",
        subject=Notification.SUBJECT + ".{user_id}.read",
    )
    api.receive(TASK_EVENTS.values(), stream=STREAM, durable=TASKS)
    api.receive([MoveRejected], stream=STREAM, durable=REJECTIONS)
    api.receive([ApprovalDeclined], stream=STREAM, durable=DECLINES)
    api.receive([ApprovalGranted], stream=STREAM, durable=GRANTED)
    api.receive(DEAL_EVENTS.values(), stream=STREAM, durable=DEALS)
    return api
