"""The notifier's queries: a person's inbox (`crm inbox`, the board's bell), the deliveries
(`crm delivery list`), and every notification about some deals (a person's data export)."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from crm_shared.contracts.base import ID_PREFIX, Asks, Query, Strict
from crm_shared.contracts.notify.replies import (
    DeliveriesReply,
    NotificationsAboutReply,
    NotificationsReply,
)
from crm_shared.contracts.text import CrmId, Cursor, Id


class ListNotifications(Query, Asks[NotificationsReply]):
    """crm.query.notify.list: the actor's own notification inbox, newest first; `id_prefix`
    narrows it to the notifications whose id starts so (an id as a person types it)."""

    SUBJECT: ClassVar[str] = "crm.query.notify.list"
    unread_only: bool = False
    id_prefix: str | None = Field(None, pattern=ID_PREFIX)
    limit: int = Field(50, ge=1, le=500)
    cursor: Cursor | None = None


class ListDeliveries(Strict, Asks[DeliveriesReply]):
    """crm.query.notify.deliveries: webhook and e-mail deliveries, newest first.

    `status` failed (the default): given up after webhook.max_attempts; pending: still to
    be made. `user_id` narrows the list to one recipient, `id_prefix` to the deliveries whose
    id starts so (an id as a person types it from a list).
    """

    SUBJECT: ClassVar[str] = "crm.query.notify.deliveries"
    status: Literal["failed", "pending"] = "failed"
    user_id: CrmId | None = None
    id_prefix: str | None = Field(None, pattern=ID_PREFIX)
    limit: int = Field(50, ge=1, le=500)


class NotificationsAbout(Query, Asks[NotificationsAboutReply]):
    """crm.query.notify.about_deals: every user's notifications about these deals (a person's
    data export, `crm contact export`; a user who sees every deal only), oldest first."""

    SUBJECT: ClassVar[str] = "crm.query.notify.about_deals"
    deal_ids: list[Id] = Field(min_length=1, max_length=500)
