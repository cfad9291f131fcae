"""The notifier's event: a notification for one user, on `crm.notify.<user_id>`."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from crm_shared.contracts.base import EventData
from crm_shared.contracts.dto import ContactAttempt, Task
from crm_shared.contracts.notify.kinds import NoticeKind, describe_kinds
from crm_shared.contracts.text import Plain


class Notification(EventData):
    """A message for one user, published on `crm.notify.<user_id>`."""

    SUBJECT: ClassVar[str] = "crm.notify"
    TYPE: ClassVar[str] = "crm.notify.v1"
    id: Plain | None = Field(None, description="the notification's id in the user's inbox")
    kind: NoticeKind = Field(
        description="what happened; the kinds and the fields each adds to id, kind, text, "
        "deal_id, user_id: " + describe_kinds()
    )
    text: Plain = Field(description="the Russian text, from the configuration's templates")
    deal_id: Plain
    user_id: Plain = Field(description="the recipient")
    task: Task | None = Field(None, description="the task, for the task_* kinds")
    missing_fields: list[Plain] | None = Field(
        None, description="move_rejected: the missing fields' codes (rule 4)"
    )
    actor_id: Plain | None = Field(
        None, description="approval_requested: who asks (the manager whose move was refused)"
    )
    attempts: list[ContactAttempt] | None = Field(
        None,
        description="approval_requested: the latest contact attempts on the deal's current "
        "stage, oldest first, with their notes (the deal's contact_attempts counts them all)",
    )
