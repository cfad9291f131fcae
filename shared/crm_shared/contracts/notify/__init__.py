"""The notifier's contracts: the notification kinds, its commands, queries, replies and event.

`Notification` here is the event (`notify.events`); the inbox item of the same name is
`notify.replies.Notification`."""

from __future__ import annotations

from crm_shared.contracts.notify.commands import (
    ReadNotifications as ReadNotifications,
)
from crm_shared.contracts.notify.commands import (
    RetryDeliveries as RetryDeliveries,
)
from crm_shared.contracts.notify.events import (
    Notification as Notification,
)
from crm_shared.contracts.notify.events import (
    NotificationsRead as NotificationsRead,
)
from crm_shared.contracts.notify.idle import (
    IdleDeal as IdleDeal,
)
from crm_shared.contracts.notify.idle import (
    IdleDeals as IdleDeals,
)
from crm_shared.contracts.notify.idle import (
    IdleDealsReply as IdleDealsReply,
)
from crm_shared.contracts.notify.idle import (
    IdleThresholds as IdleThresholds,
)
from crm_shared.contracts.notify.idle import (
    IdleThresholdsReply as IdleThresholdsReply,
)
from crm_shared.contracts.notify.kinds import (
    KIND_NOTES as KIND_NOTES,
)
from crm_shared.contracts.notify.kinds import (
    NoticeKind as NoticeKind,
)
from crm_shared.contracts.notify.kinds import (
    describe_kinds as describe_kinds,
)
from crm_shared.contracts.notify.queries import (
    ListDeliveries as ListDeliveries,
)
from crm_shared.contracts.notify.queries import (
    ListNotifications as ListNotifications,
)
from crm_shared.contracts.notify.queries import (
    NotificationsAbout as NotificationsAbout,
)
from crm_shared.contracts.notify.replies import (
    DeliveriesReply as DeliveriesReply,
)
from crm_shared.contracts.notify.replies import (
    NotificationsAboutReply as NotificationsAboutReply,
)
from crm_shared.contracts.notify.replies import (
    NotificationsReply as NotificationsReply,
)
from crm_shared.contracts.notify.replies import (
    NotRetried as NotRetried,
)
from crm_shared.contracts.notify.replies import (
    ReadReply as ReadReply,
)
from crm_shared.contracts.notify.replies import (
    RetryReply as RetryReply,
)
