"""Tasks, notifications and the funnel report."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request

from crm_shared.contracts.analytics import FunnelQuery, PeriodQuery
from crm_shared.contracts.notify import ListNotifications, ReadNotifications
from crm_shared.contracts.task import CommentTask, CompleteTask, ListTasks, TaskComments
from gateway.domain.people import Principal, Scope
from gateway.entrypoints.http.deps import context, require, retry_key
from gateway.entrypoints.http.schemas import (
    ERRORS,
    Anything,
    CommentIn,
    MarkReadIn,
    TaskOut,
    TaskPage,
)
from gateway.handlers.api import acting, ask, build
from gateway.handlers.reports import check_rop, checked_span

router = APIRouter(responses=ERRORS)
once = Depends(retry_key)


@router.get(
    "/api/tasks",
    tags=["tasks"],
    response_model=None,
    responses={200: {"model": TaskPage}},
    summary="List tasks",
)
async def list_tasks(
    request: Request,
    mine: bool = False,
    deal_id: str | None = None,
    responsible_id: str | None = None,
    status: str | None = Query(None, pattern="^(open|closed)$"),
    overdue: bool | None = None,
    limit: int = Query(50, ge=1, le=500),
    cursor: str | None = None,
    principal: Principal = Depends(require(Scope.tasks_read)),
) -> dict[str, Any]:
    """`mine=true`: the caller's own tasks; `deal_id`: a deal's tasks."""
    if mine and principal.actor_id is not None:
        responsible_id = principal.actor_id
    query = ListTasks(
        actor_id=acting(principal),
        deal_id=deal_id,
        responsible_id=responsible_id,
        status=status,
        overdue=overdue,
        limit=limit,
        cursor=cursor,
    )
    return (await ask(context(request), query)).model_dump(mode="json")


@router.post(
    "/api/tasks/{task_id}/complete",
    tags=["tasks"],
    response_model=None,
    responses={200: {"model": TaskOut}},
)
async def complete_task(
    request: Request,
    task_id: str,
    principal: Principal = Depends(require(Scope.tasks_write)),
    key: str | None = once,
) -> dict[str, Any]:
    """Mark a task done."""
    done = CompleteTask(actor_id=acting(principal), task_id=task_id)
    return (await ask(context(request), done, retry_key=key)).model_dump(mode="json")


@router.post(
    "/api/tasks/{task_id}/comments",
    tags=["tasks"],
    response_model=None,
    responses={200: {"model": TaskOut}},
)
async def comment_task(
    request: Request,
    task_id: str,
    body: CommentIn,
    principal: Principal = Depends(require(Scope.tasks_write)),
    key: str | None = once,
) -> dict[str, Any]:
    """Comment on a task."""
    note = CommentTask(actor_id=acting(principal), task_id=task_id, text=body.text)
    return (await ask(context(request), note, retry_key=key)).model_dump(mode="json")


@router.get(
    "/api/tasks/{task_id}/comments",
    tags=["tasks"],
    response_model=None,
    responses={200: {"model": Anything}},
    summary="Read a task's comments",
)
async def task_comments(
    request: Request,
    task_id: str,
    limit: int = Query(100, ge=1, le=500),
    cursor: str | None = None,
    principal: Principal = Depends(require(Scope.tasks_read)),
) -> dict[str, Any]:
    """Every comment on a task, oldest first, a page at a time (`next_cursor`): a task's own
    payload carries only its latest comments, with `comments_count`."""
    query = TaskComments(actor_id=acting(principal), task_id=task_id, limit=limit, cursor=cursor)
    return (await ask(context(request), query)).model_dump(mode="json")


@router.get(
    "/api/notifications",
    tags=["notifications"],
    response_model=None,
    responses={200: {"model": Anything}},
)
async def notifications(
    request: Request,
    unread_only: bool | None = None,
    limit: int = Query(50, ge=1, le=500),
    cursor: str | None = None,
    principal: Principal = Depends(require(Scope.tasks_read)),
) -> dict[str, Any]:
    """The caller's inbox, newest first, with the count of unread ones."""
    inbox = ListNotifications(
        actor_id=acting(principal), unread_only=bool(unread_only), limit=limit, cursor=cursor
    )
    return (await ask(context(request), inbox)).model_dump(mode="json")


@router.post(
    "/api/notifications/read",
    tags=["notifications"],
    response_model=None,
    responses={200: {"model": Anything}},
)
async def mark_read(
    request: Request,
    body: MarkReadIn,
    principal: Principal = Depends(require(Scope.tasks_write)),
    key: str | None = once,
) -> dict[str, Any]:
    """Mark some (`ids`) or all (`all: true`) of the caller's notifications read."""
    payload = {**body.model_dump(exclude_none=True), "actor_id": acting(principal)}
    marked = build(ReadNotifications, payload)
    return (await ask(context(request), marked, retry_key=key)).model_dump(mode="json")


# A program's day is UTC's (the board and `crm report` read a typed day on the company's clock).
DAY_OR_TIME = "RFC 3339 time with its offset, or YYYY-MM-DD: that day's 00:00 UTC"


def report_window(
    from_: str = Query(alias="from", description=DAY_OR_TIME),
    to: str = Query(description=f"{DAY_OR_TIME}; exclusive"),
    responsible_id: str | None = None,
) -> dict[str, Any]:
    """The query parameters both reports take, as the analytics queries' body (a period of
    at most two years, else 400)."""
    checked_span(from_, to)
    return {"from": from_, "to": to, "responsible_id": responsible_id}


async def rop_reports(
    principal: Principal = Depends(require(Scope.reports_read)),
) -> Principal:
    """The caller, who must hold reports:read and act as a РОП."""
    check_rop(principal)
    return principal


@router.get(
    "/api/reports/funnel",
    tags=["reports"],
    response_model=None,
    responses={200: {"model": Anything}},
)
async def funnel(
    request: Request,
    body: dict[str, Any] = Depends(report_window),
    principal: Principal = Depends(rop_reports),
) -> dict[str, Any]:
    """The funnel report of the deals created in [from, to) (at most two years). The РОП's:
    403 to anyone else."""
    query = build(FunnelQuery, {**body, "actor_id": acting(principal)})
    return (await ask(context(request), query)).model_dump(mode="json")


@router.get(
    "/api/reports/period",
    tags=["reports"],
    response_model=None,
    responses={200: {"model": Anything}},
)
async def period(
    request: Request,
    body: dict[str, Any] = Depends(report_window),
    principal: Principal = Depends(rop_reports),
) -> dict[str, Any]:
    """What happened in [from, to): created, won and lost in the period, by manager and
    source (the period view; the funnel report follows the deals created in it). At most
    two years; the РОП's (403 to anyone else)."""
    query = build(PeriodQuery, {**body, "actor_id": acting(principal)})
    return (await ask(context(request), query)).model_dump(mode="json")
