"""Deliveries given up after max_attempts: listing them, and trying them again by hand."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from crm_shared.contracts.notify import ListDeliveries, RetryDeliveries
from crm_shared.contracts.refusals import ErrorCode, Refused, ok
from crm_shared.contracts.text import utc_text
from notifier.adapters import deliveries as repo
from notifier.handlers.context import Context

log = logging.getLogger(__name__)


async def list_deliveries(query: ListDeliveries, ctx: Context) -> dict[str, Any]:
    """`ListDeliveries`: items (newest first) and total."""
    async with ctx.uow() as uow:
        items, total = await repo.list_by_status(
            uow.conn, query.status, query.user_id, query.limit, query.id_prefix
        )
    return ok(items=[_jsonable(item) for item in items], total=total)


async def retry_deliveries(cmd: RetryDeliveries, ctx: Context) -> dict[str, Any]:
    """`RetryDeliveries`: `retried` ids, and why each other asked-for id was not."""
    if ctx.config.user_or_none(cmd.actor_id) is None:
        raise Refused(
            ErrorCode.not_found, f"actor_id: unknown user {cmd.actor_id!r}", reason="user"
        )
    async with ctx.uow() as uow:
        retried = await repo.retry_failed(uow.conn, None if cmd.all else cmd.delivery_ids)
        others = sorted(set(cmd.delivery_ids or ()) - set(retried))
        found = await repo.statuses(uow.conn, others) if others else {}
        await uow.commit()
    if retried:
        ctx.deliveries_added()
        log.info("%s retried %d failed deliveries by hand", cmd.actor_id, len(retried))
    not_retried = [
        {"id": i, "reason": f"it is {found[i]}, not failed" if i in found else "no such delivery"}
        for i in others
    ]
    return ok(retried=retried, not_retried=not_retried)


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    return {k: utc_text(v) if isinstance(v, datetime) else v for k, v in row.items()}
