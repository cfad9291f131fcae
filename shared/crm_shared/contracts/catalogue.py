"""Every event on the bus, of every owner: what the event API document and its tests list."""

from __future__ import annotations

from crm_shared.contracts.base import EventData
from crm_shared.contracts.deal.events import (
    ApprovalDeclined,
    ApprovalGranted,
    ContactErased,
    DealCreated,
    DealNoted,
    DealUpdated,
    DealWentIdle,
    IdleThresholdsSet,
    LeadReceived,
    MoveRejected,
    StageChanged,
)
from crm_shared.contracts.notify.events import Notification, NotificationsRead
from crm_shared.contracts.task.events import (
    TaskClosed,
    TaskCommented,
    TaskOpened,
    TaskOverdue,
    TaskUpdated,
)

ALL_EVENTS: tuple[type[EventData], ...] = (
    LeadReceived,
    DealCreated,
    DealUpdated,
    ContactErased,
    StageChanged,
    DealNoted,
    IdleThresholdsSet,
    DealWentIdle,
    MoveRejected,
    ApprovalDeclined,
    ApprovalGranted,
    TaskOpened,
    TaskClosed,
    TaskUpdated,
    TaskOverdue,
    TaskCommented,
    Notification,
    NotificationsRead,
)
