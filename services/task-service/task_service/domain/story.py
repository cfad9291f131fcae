"""What happened to a deal's tasks, as entries of the deal's timeline (issue 22; no I/O)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from crm_shared.contracts.text import utc_text
from task_service.domain.model import Task


def _head(task: Task) -> dict[str, Any]:
    return {"task_id": task.id, "title": task.title}


def task_story(tasks: list[Task]) -> list[dict[str, Any]]:
    """Each task opened (by its creator when a person set it), rescheduled, commented and
    closed (by whoever completed it; no one when the system closed it), newest first; `at`
    in UTC ISO 8601."""
    items: list[dict[str, Any]] = []
    for task in tasks:
        opener = task.creator_id if task.kind == "own" else None
        items.append(
            {
                "at": task.opened_at,
                "kind": "task_opened",
                "actor_id": opener,
                **_head(task),
                "task_kind": task.kind,
                "creator_id": task.creator_id,
                "responsible_id": task.responsible_id,
                "deadline": (
                    task.reschedules[0].from_deadline if task.reschedules else task.deadline
                ),
            }
        )
        for moved in task.reschedules:
            items.append(
                {
                    "at": moved.at,
                    "kind": "task_rescheduled",
                    "actor_id": moved.actor_id,
                    **_head(task),
                    "from_deadline": moved.from_deadline,
                    "to_deadline": moved.to_deadline,
                    "reason": moved.reason,
                }
            )
        for comment in task.comments:
            items.append(
                {
                    "at": comment.at,
                    "kind": "task_commented",
                    "actor_id": comment.author_id,
                    **_head(task),
                    "text": comment.text,
                }
            )
        if task.closed_at is not None:
            items.append(
                {
                    "at": task.closed_at,
                    "kind": "task_closed",
                    "actor_id": task.closed_by,
                    **_head(task),
                    "close_reason": task.close_reason.value if task.close_reason else None,
                }
            )
    items.sort(key=lambda item: item["at"], reverse=True)
    return [
        {k: utc_text(v) if isinstance(v, datetime) else v for k, v in item.items()}
        for item in items
    ]
