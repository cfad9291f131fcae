"""The analytics use cases: the cohort (funnel) and period views.

Each counts in the database on several connections reading one snapshot, asks task-service
for the overdue tasks meanwhile, and lays the numbers out in the domain.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

from crm_shared.config.access import narrowed
from crm_shared.contracts.analytics import FunnelQuery, PeriodQuery
from crm_shared.contracts.envelope import utcnow
from crm_shared.contracts.periods import parse_moment
from crm_shared.contracts.refusals import ErrorCode, Refused, ok
from crm_shared.contracts.task import OverdueTasksQuery
from deal_service.adapters import analytics as sql
from deal_service.adapters import analytics_period as period_sql
from deal_service.domain.funnel import MAX_COMMENTS_PER_STAGE, FunnelFacts, build_report
from deal_service.domain.period import PeriodFacts, build_period_report, week_starts
from deal_service.handlers.context import Context

OVERDUE_TIMEOUT = 2.0
"""Seconds to wait for task-service; past that the report goes out without overdue counts."""


async def funnel_report(q: FunnelQuery, ctx: Context) -> dict[str, Any]:
    """`FunnelQuery`: the cohort view, the deals created in [from, to).

    In the actor's scope: a manager with `access: own` gets the report of their own deals.
    """
    responsible_id = narrowed(ctx.config, q.actor_id, q.responsible_id)
    start, end = parse_moment(q.from_), parse_moment(q.to)
    # Asked first and awaited last: task-service counts while the database does.
    overdue = asyncio.create_task(_overdue(ctx, q.actor_id, q.from_, q.to))
    try:
        async with ctx.report_gate:
            facts = await _count(ctx, start, end, responsible_id)
    except BaseException:
        overdue.cancel()
        raise
    facts.overdue, note = await overdue
    if note:
        facts.notes.append(note)
    return ok(report=build_report(ctx.config, start, end, responsible_id, facts))


async def period_report(q: PeriodQuery, ctx: Context) -> dict[str, Any]:
    """`PeriodQuery`: the period view, what happened in [from, to); in the
    actor's scope like the funnel."""
    responsible_id = narrowed(ctx.config, q.actor_id, q.responsible_id)
    start, end = parse_moment(q.from_), parse_moment(q.to)
    overdue = asyncio.create_task(_overdue(ctx, q.actor_id, q.from_, q.to))
    try:
        async with ctx.report_gate:
            starts = week_starts(start, end, ZoneInfo(q.week_zone) if q.week_zone else None)
            facts = await _count_period(
                ctx, start, end, responsible_id, weeks=starts if q.weeks else None
            )
    except BaseException:
        overdue.cancel()
        raise
    facts.overdue, note = await overdue
    if note:
        facts.notes.append(note)
    return ok(report=build_period_report(ctx.config, start, end, responsible_id, facts))


@asynccontextmanager
async def _snapshot(ctx: Context, n: int) -> AsyncIterator[list[asyncpg.Connection]]:
    """`n` connections in read-only transactions that all read one snapshot."""
    async with ctx.uow() as first:
        snapshot = await sql.export_snapshot(first.conn)
        async with ctx.uow() as second, ctx.uow() as third, ctx.uow() as fourth:
            others = [second.conn, third.conn, fourth.conn][: n - 1]
            for conn in others:
                await sql.import_snapshot(conn, snapshot)
            yield [first.conn, *others]


def _open_stages(ctx: Context) -> list[str]:
    return [s.code for s in ctx.config.stages if not s.is_final]


async def _count(
    ctx: Context, start: datetime, end: datetime, responsible_id: str | None
) -> FunnelFacts:
    """Every count of the cohort view, on four connections reading one snapshot."""
    stages = list(ctx.config.stage_codes)
    failures = [s.code for s in ctx.config.failure_stages]
    now = utcnow()
    async with _snapshot(ctx, 4) as (first, second, third, fourth):

        async def deals() -> tuple[Any, Any]:
            totals = await sql.deal_totals(first, start, end, responsible_id)
            comments = await sql.loss_comments(
                first, failures, start, end, responsible_id, MAX_COMMENTS_PER_STAGE
            )
            return totals, comments

        # A task group, not gather: if one statement fails the others are cancelled
        # before their connections go back to the pool.
        async with asyncio.TaskGroup() as group:
            by_deal = group.create_task(deals())
            reached = group.create_task(sql.reached(second, stages, start, end, responsible_id))
            times = group.create_task(sql.stage_times(third, stages, start, end, responsible_id))
            still_open = group.create_task(
                period_sql.open_stays(
                    fourth, _open_stages(ctx), start, end, responsible_id, now, cohort=True
                )
            )
    totals, comments = by_deal.result()
    return FunnelFacts(
        totals=totals,
        reached=reached.result(),
        times=times.result(),
        comments=comments,
        open_times=still_open.result(),
        as_of=now,
    )


async def _count_period(
    ctx: Context,
    start: datetime,
    end: datetime,
    responsible_id: str | None,
    *,
    weeks: list[datetime] | None,
) -> PeriodFacts:
    """Every count of the period view, on four connections reading one snapshot (with
    `weeks`, where each week begins, the won deals by week too, after the outcomes on their
    connection)."""
    finals = [s.code for s in ctx.config.stages if s.is_final]
    failures = [s.code for s in ctx.config.failure_stages]
    now = utcnow()
    async with _snapshot(ctx, 4) as (first, second, third, fourth):

        async def outcomes_and_weeks() -> tuple[Any, Any]:
            found = await period_sql.outcomes(second, finals, start, end, responsible_id)
            if weeks is None:
                return found, None
            success = ctx.config.success_stage.code
            by_week = await period_sql.won_by_week(second, success, weeks, end, responsible_id)
            return found, by_week

        async def deals() -> tuple[Any, Any]:
            made = await period_sql.created(first, start, end, responsible_id)
            comments = await period_sql.loss_comments(
                first, failures, start, end, responsible_id, MAX_COMMENTS_PER_STAGE
            )
            return made, comments

        async with asyncio.TaskGroup() as group:
            by_deal = group.create_task(deals())
            outcomes = group.create_task(outcomes_and_weeks())
            ended = group.create_task(
                period_sql.ended_stays(third, _open_stages(ctx), start, end, responsible_id)
            )
            still_open = group.create_task(
                period_sql.open_stays(
                    fourth, _open_stages(ctx), start, end, responsible_id, now, cohort=False
                )
            )
    made, comments = by_deal.result()
    found, weekly = outcomes.result()
    return PeriodFacts(
        created=made,
        outcomes=found,
        weekly=weekly,
        week_starts=weeks or [],
        comments=comments,
        ended=ended.result(),
        still_open=still_open.result(),
        as_of=now,
    )


async def _overdue(
    ctx: Context, actor_id: str, start: str, end: str
) -> tuple[list[dict[str, Any]] | None, str | None]:
    """Overdue tasks per responsible from task-service, asked as the actor (so in their
    scope), or None and why not."""
    if ctx.ask is None:
        return None, "overdue tasks were not asked for: no bus connection"
    query = OverdueTasksQuery(actor_id=actor_id, from_=start, to=end)
    try:
        reply = await ctx.ask.ask(query, timeout=OVERDUE_TIMEOUT)
    except Refused as refused:
        if refused.error.code is ErrorCode.unavailable:
            why = refused.error.message.removesuffix("; try again")
            return None, f"overdue tasks unknown: {why}"
        return None, f"task-service refused the overdue query: {refused.error.message}"
    return [row.model_dump(mode="json") for row in reply.items], None
