"""The funnel report use case: count in the database, ask task-service, lay it out."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from crm_shared.commands import FunnelQuery, OverdueTasksQuery, ok
from crm_shared.periods import parse_moment
from deal_service.adapters import analytics as sql
from deal_service.domain.funnel import MAX_COMMENTS_PER_STAGE, FunnelFacts, build_report
from deal_service.handlers.context import Context

OVERDUE_TIMEOUT = 2.0
"""Seconds to wait for task-service; past that the report goes out without overdue counts."""


async def funnel_report(q: FunnelQuery, ctx: Context) -> dict[str, Any]:
    """crm.query.analytics.funnel: the report of the deals created in [from, to)."""
    start, end = parse_moment(q.from_), parse_moment(q.to)
    # Asked first and awaited last: task-service counts while the database does.
    overdue = asyncio.create_task(_overdue(ctx, q.from_, q.to))
    try:
        async with ctx.report_gate:
            facts = await _count(ctx, start, end, q.responsible_id)
    except BaseException:
        overdue.cancel()
        raise
    facts.overdue, note = await overdue
    if note:
        facts.notes.append(note)
    return ok(report=build_report(ctx.config, start, end, q.responsible_id, facts))


async def _count(
    ctx: Context, start: datetime, end: datetime, responsible_id: str | None
) -> FunnelFacts:
    """Every count of the report, on three connections reading one snapshot."""
    stages = list(ctx.config.stage_codes)
    failures = [s.code for s in ctx.config.failure_stages]
    async with ctx.uow() as first:
        snapshot = await sql.export_snapshot(first.conn)
        async with ctx.uow() as second, ctx.uow() as third:
            await sql.import_snapshot(second.conn, snapshot)
            await sql.import_snapshot(third.conn, snapshot)

            async def deals() -> tuple[Any, Any]:
                totals = await sql.deal_totals(first.conn, start, end, responsible_id)
                comments = await sql.loss_comments(
                    first.conn, failures, start, end, responsible_id, MAX_COMMENTS_PER_STAGE
                )
                return totals, comments

            # A task group, not gather: if one statement fails the others are cancelled
            # before their connections go back to the pool.
            async with asyncio.TaskGroup() as group:
                by_deal = group.create_task(deals())
                reached = group.create_task(
                    sql.reached(second.conn, stages, start, end, responsible_id)
                )
                times = group.create_task(
                    sql.stage_times(third.conn, stages, start, end, responsible_id)
                )
    totals, comments = by_deal.result()
    return FunnelFacts(
        totals=totals, reached=reached.result(), times=times.result(), comments=comments
    )


async def _overdue(
    ctx: Context, start: str, end: str
) -> tuple[list[dict[str, Any]] | None, str | None]:
    """Overdue tasks per responsible from task-service, or None and why not."""
    if ctx.ask is None:
        return None, "overdue tasks were not asked for: no bus connection"
    reply = await ctx.ask(OverdueTasksQuery.SUBJECT, {"from": start, "to": end}, OVERDUE_TIMEOUT)
    if reply is None:
        return None, (
            f"task-service did not answer within {OVERDUE_TIMEOUT:g} s; overdue tasks unknown"
        )
    if not reply.get("ok"):
        return None, f"task-service refused the overdue query: {reply.get('error')}"
    items: list[dict[str, Any]] = reply["items"]
    return items, None
