"""The deal's story: its timeline, a note on it, and the РОП's decline of a request."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from gateway.domain.people import Principal, Scope
from gateway.entrypoints.http.deps import context, require, retry_key
from gateway.entrypoints.http.schemas import ERRORS, Anything, Body
from gateway.handlers import story

router = APIRouter(prefix="/api/deals", tags=["deals"], responses=ERRORS)
read = Depends(require(Scope.deals_read))
write = Depends(require(Scope.deals_write))


class TimelinePage(BaseModel):
    """A page of a deal's story, newest first: each item's `at`, `kind` and `actor_id`, and
    the kind's own fields (note: text; field_changed: changes [{field, from, to}] and,
    for a shared contact changed through another deal, through_deal_id;
    stage_changed: from_stage, to_stage; on a field_changed or stage_changed an import
    brought (its actor_id null), imported_from (the source, `bitrix24`); contact_attempt:
    note, stage; approval_asked,
    approval_declined, approval_granted: to_stage, asked_by, reason (declined); task_opened,
    task_rescheduled, task_commented, task_closed: task_id, title and deadline, from_deadline,
    to_deadline, reason, text or close_reason; a task_closed's actor_id is who completed it,
    null when the system closed it)."""

    items: list[Anything]
    next_cursor: str | None = None


class NoteIn(Body):
    """A note on a deal."""

    text: str = Field(min_length=1, max_length=2000)


class DeclineIn(Body):
    """Why the РОП declines the request."""

    reason: str = Field(min_length=1, max_length=2000)


@router.get("/{deal_id}/timeline", response_model=None, responses={200: {"model": TimelinePage}})
async def timeline(
    request: Request,
    deal_id: str,
    limit: int = Query(50, ge=1, le=200),
    cursor: str | None = None,
    principal: Principal = read,
) -> dict[str, Any]:
    """Everything that happened to the deal, newest first: notes, field changes (who, from →
    to), stage moves, contact attempts, approval requests and declines, and its tasks
    opened, rescheduled, commented and closed. `cursor`: the previous page's `next_cursor`."""
    return await story.timeline(context(request), principal, deal_id, cursor, limit)


@router.post("/{deal_id}/notes", status_code=201, response_model=None)
async def note(
    request: Request,
    deal_id: str,
    body: NoteIn,
    principal: Principal = write,
    key: str | None = Depends(retry_key),
) -> dict[str, Any]:
    """Write a note on the deal; it shows in the timeline."""
    return await story.note(context(request), principal, deal_id, body.text, retry_key=key)


@router.post("/{deal_id}/approval/decline", response_model=None)
async def decline(
    request: Request,
    deal_id: str,
    body: DeclineIn,
    principal: Principal = write,
    key: str | None = Depends(retry_key),
) -> dict[str, Any]:
    """The РОП declines the deal's waiting request (rule 6) with a reason: it is no longer
    pending, and whoever asked gets a notification naming the reason."""
    return await story.decline(context(request), principal, deal_id, body.reason, retry_key=key)
