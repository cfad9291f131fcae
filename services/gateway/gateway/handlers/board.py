"""What the board shows: columns with their totals and first pages, each card's open task.

The JSON API (`GET /api/deals/board`, `GET /api/deals?stage=…`) and the board's pages both
read through these functions, so a page shows exactly what the API answers. Whose deals they
show is the services' answer: every query carries the caller as its actor, and deal-service
scopes it by the configured `access` (a manager with `own` gets their deals, one with `all`
or a РОП everyone's, narrowed by the `responsible_id` filter when one is given), and refuses
a deal the caller may not see (`forbidden`, 403). The gateway adds nothing to it.
"""

from __future__ import annotations

import asyncio
from typing import Any

from crm_shared.contracts.deal import DealHistory, GetDeal, ListDeals, StageTotals
from crm_shared.contracts.dto import Task
from crm_shared.contracts.notify import IdleDeals
from crm_shared.contracts.task import ListTasks
from gateway.domain.people import Principal, Scope
from gateway.handlers import story
from gateway.handlers.api import acting, ask
from gateway.handlers.context import Context
from gateway.handlers.errors import Refusal


async def board(
    ctx: Context, principal: Principal, responsible_id: str | None, limit: int
) -> dict[str, Any]:
    """Every stage in pipeline order with its count, sums and first `limit` deals (final
    stages: the count and sums only), and the open task of each deal shown."""
    actor = acting(principal)
    owner = responsible_id or None
    stages = ctx.config.stages
    active = [s for s in stages if not ctx.config.is_final(s.code)]
    totals, pages = await asyncio.gather(
        ask(ctx, StageTotals(actor_id=actor, responsible_id=owner)),
        asyncio.gather(
            *(
                ask(ctx, ListDeals(actor_id=actor, stage=s.code, responsible_id=owner, limit=limit))
                for s in active
            )
        ),
    )
    by_stage = {t.stage: t for t in totals.items}
    page_of = {s.code: page.model_dump(mode="json") for s, page in zip(active, pages, strict=True)}
    ids = [d.id for page in pages for d in page.items]
    empty: dict[str, Any] = {"items": [], "next_cursor": None}
    return {
        "stages": [
            {
                "code": s.code,
                "name": s.name,
                "kind": s.kind,
                "count": by_stage[s.code].count if s.code in by_stage else 0,
                "sums": by_stage[s.code].sums if s.code in by_stage else {},
                **page_of.get(s.code, empty),
            }
            for s in stages
        ],
        **dict(zip(("tasks", "idle"), await _marks(ctx, principal, ids), strict=True)),
    }


async def column_page(
    ctx: Context,
    principal: Principal,
    stage: str,
    responsible_id: str | None,
    cursor: str | None,
    limit: int,
) -> dict[str, Any]:
    """The next page of one column, with the open task of each deal."""
    query = ListDeals(
        actor_id=acting(principal),
        stage=stage,
        responsible_id=responsible_id or None,
        cursor=cursor,
        limit=limit,
    )
    page = await ask(ctx, query)
    shown = page.model_dump(mode="json")
    shown["tasks"], shown["idle"] = await _marks(ctx, principal, [d.id for d in page.items])
    return shown


async def _marks(
    ctx: Context, principal: Principal, deal_ids: list[str]
) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """The open task and the idle mark of each deal shown."""
    tasks, idle = await asyncio.gather(
        open_tasks(ctx, principal, deal_ids), idle_marks(ctx, principal, deal_ids)
    )
    return tasks, idle


async def idle_marks(
    ctx: Context, principal: Principal, deal_ids: list[str]
) -> dict[str, dict[str, Any]]:
    """deal id → its idle mark («засиделась»: since when, its last activity) for the deals
    idle now among those shown (one query per 500); none while the notifier does not answer:
    the mark is a hint, the board stands without it."""
    if not deal_ids:
        return {}
    actor = acting(principal)
    chunks = [deal_ids[i : i + 500] for i in range(0, len(deal_ids), 500)]
    try:
        replies = await asyncio.gather(
            *(ask(ctx, IdleDeals(actor_id=actor, deal_ids=chunk)) for chunk in chunks)
        )
    except Refusal as refusal:
        if refusal.status == 503:
            return {}
        raise
    return {d.deal_id: d.model_dump(mode="json") for reply in replies for d in reply.items}


async def open_tasks(
    ctx: Context, principal: Principal, deal_ids: list[str]
) -> dict[str, dict[str, Any]]:
    """deal id → its open task with the earliest deadline (one query per 500 deals); none
    for a caller without tasks:read (a token that reads deals only)."""
    found: dict[str, Task] = {}
    if not deal_ids or not principal.may(Scope.tasks_read):
        return {}
    actor = acting(principal)
    chunks = [deal_ids[i : i + 500] for i in range(0, len(deal_ids), 500)]
    replies = await asyncio.gather(
        *(
            ask(ctx, ListTasks(actor_id=actor, deal_ids=chunk, status="open", limit=500))
            for chunk in chunks
        )
    )
    for reply in replies:
        for task in reply.items:
            held = found.get(task.deal_id)
            if held is None or _due(task) < _due(held):
                found[task.deal_id] = task
    return {deal_id: task.model_dump(mode="json") for deal_id, task in found.items()}


def _due(task: Task) -> str:
    """A task's deadline for ordering (ISO 8601 UTC sorts as text; none comes last)."""
    return task.deadline.isoformat() if task.deadline else "~"


async def card_view(ctx: Context, principal: Principal, deal_id: str) -> dict[str, Any]:
    """One card: the deal and its open task (a live update fetches it)."""
    actor = acting(principal)
    deal, tasks, idle = await asyncio.gather(
        ask(ctx, GetDeal(actor_id=actor, deal_id=deal_id)),
        ask(ctx, ListTasks(actor_id=actor, deal_id=deal_id, status="open", limit=10)),
        idle_marks(ctx, principal, [deal_id]),
    )
    task = min(tasks.items, key=_due, default=None)
    return {
        "deal": deal.deal.model_dump(mode="json"),
        "task": task.model_dump(mode="json") if task else None,
        "idle": idle,
    }


async def deal_view(ctx: Context, principal: Principal, deal_id: str) -> dict[str, Any]:
    """One deal, all its tasks, its stage history and the first page of its story, newest
    first (the deal card)."""
    actor = acting(principal)
    deal, tasks, history, feed, idle = await asyncio.gather(
        ask(ctx, GetDeal(actor_id=actor, deal_id=deal_id)),
        ask(ctx, ListTasks(actor_id=actor, deal_id=deal_id, limit=100)),
        ask(ctx, DealHistory(actor_id=actor, deal_id=deal_id)),
        story.timeline(ctx, principal, deal_id),
        idle_marks(ctx, principal, [deal_id]),
    )
    return {
        "deal": deal.deal.model_dump(mode="json"),
        "idle": idle.get(deal_id),
        "tasks": [t.model_dump(mode="json") for t in tasks.items],
        "history": [h.model_dump(mode="json") for h in history.items],
        "timeline": feed,
    }
