"""The deal's story as one feed (issue 22): deal-service's timeline page merged with what
happened to the deal's tasks (task-service), newest first.

Each page of deal-service's feed says the time window it covers (`until`, `since`); the
task entries inside that window join the page, so every task entry shows on exactly one
page however the feed is paged (docs/decisions.md: why the gateway merges).
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from crm_shared.contracts.deal import DealTimeline, DeclineApproval, NoteDeal
from crm_shared.contracts.task import TaskTimeline
from gateway.domain.people import Principal
from gateway.handlers.api import ask_as
from gateway.handlers.context import Context


def _at(item: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(item["at"])


def merge(page: dict[str, Any], task_items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The page's items and the task entries within its window, newest first."""
    until = datetime.fromisoformat(page["until"]) if page.get("until") else None
    since = datetime.fromisoformat(page["since"]) if page.get("since") else None
    inside = [
        t
        for t in task_items
        if (until is None or _at(t) <= until) and (since is None or _at(t) > since)
    ]
    return sorted([*page["items"], *inside], key=_at, reverse=True)


async def timeline(
    ctx: Context, principal: Principal, deal_id: str, cursor: str | None = None, limit: int = 50
) -> dict[str, Any]:
    """A page of the deal's whole story; `next_cursor` for the next (older) page."""
    page, tasks = await asyncio.gather(
        ask_as(
            ctx,
            principal,
            DealTimeline,
            {"deal_id": deal_id, "limit": limit, "cursor": cursor},
        ),
        ask_as(ctx, principal, TaskTimeline, {"deal_id": deal_id}),
    )
    return {"items": merge(page, tasks["items"]), "next_cursor": page.get("next_cursor")}


async def note(
    ctx: Context, principal: Principal, deal_id: str, text: str, *, retry_key: str | None = None
) -> dict[str, Any]:
    """Write a note on a deal."""
    body = {"deal_id": deal_id, "text": text}
    return await ask_as(ctx, principal, NoteDeal, body, retry_key=retry_key)


async def decline(
    ctx: Context, principal: Principal, deal_id: str, reason: str, *, retry_key: str | None = None
) -> dict[str, Any]:
    """Decline the deal's waiting request (the РОП), saying why."""
    body = {"deal_id": deal_id, "reason": reason}
    return await ask_as(ctx, principal, DeclineApproval, body, retry_key=retry_key)
