"""The notifier's events: a notification for one user, on `crm.notify.<user_id>`, and
notifications that became read by themselves, on `crm.notify.<user_id>.read`."""

from __future__ import annotations

from typing import ClassVar, Literal

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


class NotificationsRead(EventData):
    """Some of a user's notifications became read: refused moves' notices settled, the deal
    having reached the stage it was refused for (reason `settled`, one event a deal), or the
    user read them (`read`, crm.cmd.notify.read: from another tab, another program). At most
    500 ids an event. Published on `crm.notify.<user_id>.read` (not the user's own subject,
    which carries notifications only), for an unread count shown live: the board's badge
    counts anew in every tab."""

    SUBJECT: ClassVar[str] = "crm.notify"
    TYPE: ClassVar[str] = "crm.notify.read.v1"
    user_id: Plain = Field(description="whose notifications")
    ids: list[Plain] = Field(description="the notifications now read (their inbox ids)")
    deal_id: Plain | None = Field(None, description="`settled`: the deal they are about")
    reason: Literal["settled", "read"] = Field(
        description="`settled`: the deal reached the stage a move was refused for; `read`: "
        "the user read them"
    )
