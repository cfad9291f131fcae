"""My tasks and the inbox."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from crm_shared.contracts.deal import GetDeal
from crm_shared.contracts.notify import ListNotifications, ReadNotifications
from crm_shared.contracts.task import CommentTask, CompleteTask, ListTasks, TaskComments
from gateway.domain import days
from gateway.domain.people import Principal
from gateway.entrypoints.http.deps import retry_key
from gateway.entrypoints.web.common import ctx_of, form_deadline, pages, person
from gateway.entrypoints.web.render import deal_label
from gateway.handlers import plans
from gateway.handlers.api import acting, ask
from gateway.handlers.errors import Refusal, told

router = APIRouter(include_in_schema=False)
me = Depends(person)
once = Depends(retry_key)  # the change's Idempotency-Key: its commands' request_id
FAR = "9999"


def overdue_first(tasks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Open tasks by deadline, the longest overdue first."""
    return sorted(tasks, key=lambda t: t.get("deadline") or FAR)


async def titles(ctx: Any, principal: Principal, deal_ids: set[str]) -> dict[str, Any]:
    """The deals of some tasks, by id (those the caller may not see are left out)."""
    actor = acting(principal)
    replies = await asyncio.gather(
        *(ask(ctx, GetDeal(actor_id=actor, deal_id=d)) for d in deal_ids),
        return_exceptions=True,
    )
    return {
        d: r.deal.model_dump(mode="json")
        for d, r in zip(deal_ids, replies, strict=True)
        if not isinstance(r, BaseException)
    }


@router.get("/tasks", response_class=HTMLResponse)
async def my_tasks(request: Request, principal: Principal = me) -> Response:
    """My open tasks, the most overdue first."""
    ctx = ctx_of(request)
    query = ListTasks(
        actor_id=acting(principal), responsible_id=principal.id, status="open", limit=500
    )
    page = await ask(ctx, query)
    tasks = overdue_first([t.model_dump(mode="json") for t in page.items])
    deals = await titles(ctx, principal, {t["deal_id"] for t in tasks})
    now = datetime.now(UTC)
    where = pages(request).zone(principal)
    groups: dict[str, list[dict[str, Any]]] = {code: [] for code, _ in days.GROUPS}
    for task in tasks:
        deadline = datetime.fromisoformat(task["deadline"]) if task.get("deadline") else None
        groups[days.day_group(deadline, now, where)].append(task)
    return pages(request).render(
        request, "tasks.html", principal, groups=groups, group_names=days.GROUPS, deals=deals
    )


STORY_CHANGED = "crm:deal-story"
"""Said (HX-Trigger) by an answer that changed a deal's story but draws only a task's row:
the deal card's feed (timeline.html) listens for it and draws itself again."""


async def _task_row(request: Request, principal: Principal, task: dict[str, Any]) -> Response:
    """A task's row again; on My tasks (`with_deal`) with the deal it belongs to. The deal's
    story changed with it: on the deal card the feed is drawn again (it showed the comment or
    the closing only after a reload)."""
    label = None
    if (await request.form()).get("with_deal"):
        deals = await titles(ctx_of(request), principal, {task["deal_id"]})
        label = deal_label(deals.get(task["deal_id"]))
    return pages(request).render(
        request,
        "partials/task.html",
        principal,
        headers={"HX-Trigger": STORY_CHANGED},
        task=task,
        deal_link=label,
    )


@router.post("/tasks/{task_id}/complete", response_class=HTMLResponse)
async def complete(
    request: Request, task_id: str, principal: Principal = me, key: str | None = once
) -> Response:
    """Mark a task done; the row shows it closed."""
    done = await ask(
        ctx_of(request),
        CompleteTask(actor_id=acting(principal), task_id=task_id),
        retry_key=key,
    )
    return await _task_row(request, principal, done.task.model_dump(mode="json"))


@router.post("/tasks/{task_id}/reschedule", response_class=HTMLResponse)
async def reschedule(
    request: Request, task_id: str, principal: Principal = me, key: str | None = once
) -> Response:
    """Move a task's deadline (a quick choice or a date and time) with a reason. On My tasks
    (`with_deal`) the page is drawn again: the task moves to its new day's group (it stayed
    under «Просрочено» with its new deadline until a reload)."""
    form = await request.form()
    try:
        deadline = form_deadline(form, pages(request).zone(principal))
    except ValueError as exc:
        raise told(str(exc)) from None
    reason = str(form.get("reason", "")).strip()
    if not reason:
        raise told("укажите причину переноса")
    moved = await plans.reschedule_task(
        ctx_of(request), principal, task_id, deadline, reason, retry_key=key
    )
    row = await _task_row(request, principal, moved["task"])
    if form.get("with_deal"):
        row.headers["HX-Refresh"] = "true"
    return row


@router.post("/tasks/{task_id}/comments", response_class=HTMLResponse)
async def comment(
    request: Request, task_id: str, principal: Principal = me, key: str | None = once
) -> Response:
    """Comment on a task; the row shows the comments."""
    text = str((await request.form()).get("text", "")).strip()
    if not text:
        raise Refusal(400, "invalid", "text: empty comment", params={"reason": "empty_comment"})
    note = CommentTask(actor_id=acting(principal), task_id=task_id, text=text)
    done = await ask(ctx_of(request), note, retry_key=key)
    return await _task_row(request, principal, done.task.model_dump(mode="json"))


@router.get("/tasks/{task_id}/comments", response_class=HTMLResponse)
async def all_comments(request: Request, task_id: str, principal: Principal = me) -> Response:
    """Every comment on a task, oldest first (the row shows only the latest)."""
    comments: list[dict[str, Any]] = []
    cursor = None
    actor = acting(principal)
    while True:
        query = TaskComments(actor_id=actor, task_id=task_id, limit=500, cursor=cursor)
        page = await ask(ctx_of(request), query)
        comments += [c.model_dump(mode="json") for c in page.items]
        if not (cursor := page.next_cursor):
            break
    task = {"id": task_id, "comments": comments, "comments_count": len(comments)}
    return pages(request).render(request, "partials/comments.html", principal, task=task)


async def inbox_of(request: Request, principal: Principal) -> dict[str, Any]:
    """The caller's notifications, or an empty inbox marked unavailable."""
    try:
        query = ListNotifications(actor_id=acting(principal), limit=100)
        return (await ask(ctx_of(request), query)).model_dump(mode="json")
    except Refusal as refusal:
        if refusal.status != 503:
            raise
        return {"items": [], "unread": None, "unavailable": True}


@router.get("/inbox", response_class=HTMLResponse)
async def inbox(request: Request, principal: Principal = me) -> Response:
    """My notifications, newest first."""
    box = await inbox_of(request, principal)
    return pages(request).render(request, "inbox.html", principal, box=box)


@router.get("/inbox/badge", response_class=HTMLResponse)
async def badge(request: Request, principal: Principal = me) -> Response:
    """The count of unread notifications (the live badge)."""
    box = await inbox_of(request, principal)
    return pages(request).render(request, "partials/inbox_badge.html", principal, box=box)


@router.post("/inbox/read", response_class=HTMLResponse)
async def read(request: Request, principal: Principal = me, key: str | None = once) -> Response:
    """Mark one (`id`) or every notification read; the list and badge show it."""
    form = await request.form()
    actor = acting(principal)
    marked = (
        ReadNotifications(actor_id=actor, ids=[str(form["id"])])
        if form.get("id")
        else ReadNotifications(actor_id=actor, all=True)
    )
    await ask(ctx_of(request), marked, retry_key=key)
    box = await inbox_of(request, principal)
    return pages(request).render(request, "partials/inbox_list.html", principal, box=box)
