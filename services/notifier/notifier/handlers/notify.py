"""Handing notifications to each recipient's inbox and channels, in the caller's transaction.

Every notification is kept in its recipient's inbox (`ListNotifications`), whoever was
listening. The bus channel is an outbox event on `crm.notify.<user_id>`; webhook and e-mail
channels become `deliveries` rows that the delivery worker works off. Which of a user's
channels a kind takes is the user's `notify` choice (`User.channels_for`). All is written in
the same transaction as whatever caused the notification, so none is lost between commit
and send.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from typing import Literal

from crm_shared.config import BusChannel, Channel, EmailChannel, WebhookChannel
from crm_shared.contracts.envelope import CloudEvent, new_id
from crm_shared.contracts.notify import Notification, NotificationsRead
from crm_shared.machinery.outbox import UnitOfWork
from notifier.adapters import deliveries as repo
from notifier.adapters import inbox
from notifier.domain.refusals import Refusal
from notifier.handlers.context import SOURCE, Context

log = logging.getLogger(__name__)
# A user id becomes a subject token: anything else would publish somewhere unintended.
_SUBJECT_TOKEN = re.compile(r"[A-Za-z0-9_-]+")
READ_IDS = 500
"""The most notice ids one NotificationsRead carries (a user who reads all at once)."""
ReadReason = Literal["settled", "read"]


def notify_subject(user_id: str) -> str:
    """The bus subject of a user's notifications."""
    return f"{Notification.SUBJECT}.{user_id}"


def emit_read(
    uow: UnitOfWork, read: Iterable[tuple[str, str | None, str]], reason: ReadReason
) -> None:
    """Tell each user's live feeds which of their notifications became read
    (`NotificationsRead` on `crm.notify.<user_id>.read`, one per user and deal, at most
    `READ_IDS` ids each), at commit; `read`: (user, deal or None, notice id) of each."""
    by_whom: dict[tuple[str, str | None], list[str]] = {}
    for user_id, deal_id, note_id in read:
        by_whom.setdefault((user_id, deal_id), []).append(note_id)
    for (user_id, deal_id), ids in by_whom.items():
        if not _SUBJECT_TOKEN.fullmatch(user_id):
            log.warning("user id %r cannot be a subject; its read not published", user_id)
            continue
        for start in range(0, len(ids), READ_IDS):
            chunk = ids[start : start + READ_IDS]
            event = NotificationsRead(user_id=user_id, ids=chunk, deal_id=deal_id, reason=reason)
            uow.emit(
                event, subject_id=deal_id or user_id, nats_subject=f"{notify_subject(user_id)}.read"
            )


async def dispatch(
    uow: UnitOfWork,
    ctx: Context,
    notes: list[Notification],
    dumped: dict[int, str] | None = None,
    stages: Mapping[str, Refusal] | None = None,
    read: Collection[str] = (),
) -> Counter[str]:
    """Queue every notification on its recipient's channels; returns counts by channel
    (`dumped`: tasks' JSON already made in this batch, by object id; `stages`: a refused
    move's refusal by its notice's id, kept in the inbox; `read`: the ids of notices kept in
    the inbox as read already, though sent as any other)."""
    queued: Counter[str] = Counter()
    rows: list[repo.NewDelivery] = []
    for note in notes:
        note.id = note.id or new_id()
        user = ctx.config.user_or_none(note.user_id)
        # A user missing from the configuration (renamed, or from another system) still
        # gets the bus, so that nothing is silently dropped.
        channels: tuple[Channel, ...] = user.channels_for(note.kind) if user else (BusChannel(),)
        for channel in channels:
            if isinstance(channel, BusChannel):
                if not _SUBJECT_TOKEN.fullmatch(note.user_id):
                    log.warning("user id %r cannot be a subject; not published", note.user_id)
                    continue
                uow.emit(note, subject_id=note.deal_id, nats_subject=notify_subject(note.user_id))
            else:
                rows.append(_delivery(note, channel))
            queued[channel.type] += 1
    inbox.store(uow, notes, dumped, stages, read)
    await repo.add(uow.conn, rows)
    return queued


def _delivery(note: Notification, channel: WebhookChannel | EmailChannel) -> repo.NewDelivery:
    # The webhook body is the same CloudEvent a bus subscriber gets; its id is the
    # delivery id and the `webhook-id` header, stable across retries.
    event = CloudEvent(
        source=SOURCE, type=note.TYPE, subject=note.deal_id, data=note.model_dump(mode="json")
    )
    target = channel.url if isinstance(channel, WebhookChannel) else channel.address
    return repo.NewDelivery(
        id=event.id,
        channel=channel.type,
        user_id=note.user_id,
        kind=note.kind,
        target=target,
        payload=event.to_bytes(),
    )


def count_published(ctx: Context, queued: Counter[str]) -> None:
    """After commit: bus notifications are published (the outbox relay sees to it)."""
    if queued["bus"]:
        ctx.metrics.notifications.labels("bus", "published").inc(queued["bus"])
    if queued["webhook"] or queued["email"]:
        ctx.deliveries_added()
