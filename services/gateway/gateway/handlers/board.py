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

from gateway.domain.people import Principal
from gateway.handlers import story
from gateway.handlers.api import ask
from gateway.handlers.context import Context


async def board(
    ctx: Context, principal: Principal, responsible_id: str | None, limit: int
) -> dict[str, Any]:
    """Every stage in pipeline order with its count, sums and first `limit` deals (final
    stages: the count and sums only), and the open task of each deal shown."""
    owner = responsible_id or None
    stages = ctx.config.stages
    active = [s for s in stages if not ctx.config.is_final(s.code)]
    totals, *pages = await asyncio.gather(
        ask(ctx, principal, "crm.query.deal.stage_totals", {"responsible_id": owner}),
        *(
            ask(
                ctx,
                principal,
                "crm.query.deal.list",
                {"stage": s.code, "responsible_id": owner, "limit": limit},
            )
            for s in active
        ),
    )
    by_stage = {t["stage"]: t for t in totals["items"]}
    page_of = {s.code: page for s, page in zip(active, pages, strict=True)}
    ids = [d["id"] for page in pages for d in page["items"]]
    return {
        "stages": [
            {
                "code": s.code,
                "name": s.name,
                "kind": s.kind,
                "count": by_stage.get(s.code, {}).get("count", 0),
                "sums": by_stage.get(s.code, {}).get("sums", {}),
                **page_of.get(s.code, {"items": [], "next_cursor": None}),
            }
            for s in stages
        ],
        "tasks": await open_tasks(ctx, principal, ids),
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
    body = {
        "stage": stage,
        "responsible_id": responsible_id or None,
        "cursor": cursor,
        "limit": limit,
    }
    page = await ask(ctx, principal, "crm.query.deal.list", body)
    page["tasks"] = await open_tasks(ctx, principal, [d["id"] for d in page["items"]])
    return page


async def open_tasks(
    ctx: Context, principal: Principal, deal_ids: list[str]
) -> dict[str, dict[str, Any]]:
    """deal id → its open task with the earliest deadline (one query per 500 deals)."""
    found: dict[str, dict[str, Any]] = {}
    chunks = [deal_ids[i : i + 500] for i in range(0, len(deal_ids), 500)]
    replies = await asyncio.gather(
        *(
            ask(
                ctx,
                principal,
                "crm.query.task.list",
                {"deal_ids": chunk, "status": "open", "limit": 500},
            )
            for chunk in chunks
        )
    )
    for reply in replies:
        for task in reply["items"]:
            held = found.get(task["deal_id"])
            if held is None or (task.get("deadline") or "~") < (held.get("deadline") or "~"):
                found[task["deal_id"]] = task
    return found


async def card_view(ctx: Context, principal: Principal, deal_id: str) -> dict[str, Any]:
    """One card: the deal and its open task (a live update fetches it)."""
    deal, tasks = await asyncio.gather(
        ask(ctx, principal, "crm.query.deal.get", {"deal_id": deal_id}),
        ask(
            ctx,
            principal,
            "crm.query.task.list",
            {"deal_id": deal_id, "status": "open", "limit": 10},
        ),
    )
    task = min(tasks["items"], key=lambda t: t.get("deadline") or "~", default=None)
    return {"deal": deal["deal"], "task": task}


async def deal_view(ctx: Context, principal: Principal, deal_id: str) -> dict[str, Any]:
    """One deal, all its tasks, its stage history and the first page of its story, newest
    first (the deal card)."""
    deal, tasks, history, feed = await asyncio.gather(
        ask(ctx, principal, "crm.query.deal.get", {"deal_id": deal_id}),
        ask(ctx, principal, "crm.query.task.list", {"deal_id": deal_id, "limit": 100}),
        ask(ctx, principal, "crm.query.deal.history", {"deal_id": deal_id}),
        story.timeline(ctx, principal, deal_id),
    )
    return {
        "deal": deal["deal"],
        "tasks": tasks["items"],
        "history": history["items"],
        "timeline": feed,
    }
