"""The user's notification inbox: reading it, marking it read, forgetting what is too old."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from crm_shared.contracts.notify import ListNotifications, NotificationsAbout, ReadNotifications
from crm_shared.contracts.refusals import ErrorCode, Refused, ok
from notifier.adapters import inbox
from notifier.handlers.context import Context
from notifier.handlers.notify import emit_read


def _check_user(ctx: Context, actor_id: str) -> None:
    if ctx.config.user_or_none(actor_id) is None:
        raise Refused(ErrorCode.not_found, f"actor_id: unknown user {actor_id!r}", reason="user")


async def list_notifications(q: ListNotifications, ctx: Context) -> dict[str, Any]:
    """`ListNotifications`: the actor's inbox newest first, the unread count, paging."""
    _check_user(ctx, q.actor_id)
    try:
        async with ctx.uow() as uow:
            now: datetime = await uow.conn.fetchval("SELECT now()")
            items, unread, cursor = await inbox.list_items(
                uow.conn,
                q.actor_id,
                unread_only=q.unread_only,
                since=now - ctx.config.notifications.retention,
                limit=q.limit,
                cursor=q.cursor,
                id_prefix=q.id_prefix,
            )
    except ValueError as exc:
        raise Refused(ErrorCode.invalid, str(exc)) from None
    return ok(items=[i.as_dict() for i in items], unread=unread, next_cursor=cursor)


async def notifications_about(q: NotificationsAbout, ctx: Context) -> dict[str, Any]:
    """NotificationsAbout: every user's notifications about the deals; only for a
    user who sees every deal (a person's data export)."""
    _check_user(ctx, q.actor_id)
    if not ctx.config.sees_all(q.actor_id):
        raise Refused(ErrorCode.forbidden, "only a user who sees every deal may export them")
    async with ctx.uow() as uow:
        items = await inbox.about_deals(uow.conn, q.deal_ids)
    return ok(items=items)


async def read_notifications(cmd: ReadNotifications, ctx: Context) -> dict[str, Any]:
    """`ReadNotifications`: mark the actor's notifications read; `count` of those that were
    unread (an id of someone else's notification, or one already read, counts nothing).
    The actor's live feeds are told (another tab's badge drops too)."""
    _check_user(ctx, cmd.actor_id)
    async with ctx.uow() as uow:
        read = await inbox.mark_read(uow.conn, cmd.actor_id, None if cmd.all else cmd.ids)
        emit_read(uow, [(cmd.actor_id, None, note_id) for note_id in read], "read")
        await uow.commit()
    return ok(count=len(read))


async def prune_inbox(ctx: Context) -> int:
    """Delete notifications older than the configured retention; returns how many."""
    async with ctx.uow() as uow:
        now: datetime = await uow.conn.fetchval("SELECT now()")
    return await inbox.prune(ctx.pool, now - ctx.config.notifications.retention)
