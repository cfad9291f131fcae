"""The deal's story (issue 22): a note on a deal, and the feed of everything that happened
to it, newest first. deal-service keeps notes, field changes, stage moves, contact attempts
and approval requests; task-service its tasks' openings, closings, moves and comments. The
gateway's deal card merges the two (docs/decisions.md says why)."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field

from crm_shared.contracts.commands import Command, Query
from crm_shared.contracts.replies import Answer, Asks
from crm_shared.contracts.text import Cursor, Id, Plain, Subject


class NoteReply(Answer):
    """The note as kept: `deal_id`, `at`, `actor_id`, `text`."""

    note: dict[str, Any]


class DealTimelineReply(Answer):
    """A page of the deal's story (items: each with `at`, `kind`, `actor_id` and the kind's
    fields), its cursor, and the time window it covers (`until`, `since`; null: open)."""

    deal_id: Plain
    items: list[dict[str, Any]]
    next_cursor: str | None = None
    until: str | None = None
    since: str | None = None


class TaskTimelineReply(Answer):
    """A deal's task story, newest first; `complete` false when `limit` cut it."""

    deal_id: Plain
    items: list[dict[str, Any]]
    complete: bool = True


class NoteDeal(Command, Asks[NoteReply]):
    """crm.cmd.deal.note: write a note on a deal the actor may see («клиент в отпуске до
    15-го»); it shows in the deal's timeline."""

    SUBJECT: ClassVar[str] = "crm.cmd.deal.note"
    deal_id: Id
    text: Subject = Field(min_length=1)


class DealTimeline(Query, Asks[DealTimelineReply]):
    """crm.query.deal.timeline: a deal's story as deal-service keeps it, newest first, paged.

    Each item has `at`, `kind` (note, field_changed, stage_changed, contact_attempt,
    approval_asked, approval_declined), `actor_id` and the kind's fields (a field_changed
    made through another deal of the same contact has `through_deal_id`). The reply's
    `until` and `since` bound the page in time (null: open-ended), so that a client merging
    another feed (crm.query.task.timeline) puts each of its items on exactly one page.
    """

    SUBJECT: ClassVar[str] = "crm.query.deal.timeline"
    deal_id: Id
    limit: int = Field(50, ge=1, le=200)
    cursor: Cursor | None = None


class TaskTimeline(Query, Asks[TaskTimelineReply]):
    """crm.query.task.timeline: what happened to a deal's tasks, newest first: each task
    opened, rescheduled (from, to, reason), commented and closed (the reason), with `at`,
    `kind` (task_opened, task_rescheduled, task_commented, task_closed), `actor_id` where
    known and `task_id`, `title`. A deal has few tasks: the whole story in one answer, up
    to `limit` items."""

    SUBJECT: ClassVar[str] = "crm.query.task.timeline"
    deal_id: Id
    limit: int = Field(1000, ge=1, le=5000)
