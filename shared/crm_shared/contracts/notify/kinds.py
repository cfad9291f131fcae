"""The kinds of notification, the one list of them (a `Notification`'s `kind`).

The configuration (each kind's template, placeholders, default channels and Russian words),
the notifier, the command line and the event API document all read this enum; a new kind is
a member here and its description below (docs/development.md lists the other files).
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["KIND_NOTES", "NoticeKind", "describe_kinds"]


class NoticeKind(StrEnum):
    """What a notification tells; its value is the stable code programs read."""

    task_assigned = "task_assigned"
    task_overdue = "task_overdue"
    task_commented = "task_commented"
    move_rejected = "move_rejected"
    approval_requested = "approval_requested"
    approval_declined = "approval_declined"
    approval_granted = "approval_granted"
    deal_idle = "deal_idle"
    idle_digest = "idle_digest"
    deal_received = "deal_received"
    deal_handed_over = "deal_handed_over"


KIND_NOTES: dict[NoticeKind, str] = {
    NoticeKind.task_assigned: "a new task, so also a new lead, to its responsible; `task`",
    NoticeKind.task_overdue: "a task passed its deadline, to the РОП; `task`",
    NoticeKind.task_commented: (
        "a comment on a task that went overdue, to the other side; `task`, with the comment "
        "last in `task.comments`"
    ),
    NoticeKind.move_rejected: (
        "a refused move, to the deal's responsible; `missing_fields` when fields were missing"
    ),
    NoticeKind.approval_requested: (
        "rule 6: a manager asks to fail the deal in LOST_NO_CONTACT, to the deal's РОП, else "
        "the default РОП, else every РОП; `actor_id`, `attempts`"
    ),
    NoticeKind.approval_declined: (
        "the РОП declined such a request, to whoever asked; `actor_id`: the РОП"
    ),
    NoticeKind.approval_granted: (
        "the РОП agreed to such a request by making the move, to whoever asked; `actor_id`: the РОП"
    ),
    NoticeKind.deal_idle: (
        "a deal sat in its stage past the stage's idle threshold with no activity («засиделась»), "
        "to its responsible, once until the deal is worked on again"
    ),
    NoticeKind.idle_digest: (
        "the daily list of idle deals, to each РОП (the deal's, else the default РОП) at "
        "`notifications.idle_digest_at`; `deal_id`: the one idle longest"
    ),
    NoticeKind.deal_received: (
        "the deal was given to the recipient (its responsible changed, crm.deal.updated), with "
        "its open tasks, which came along; once per change"
    ),
    NoticeKind.deal_handed_over: (
        "the recipient's deal was given to another (its responsible changed): to the previous "
        "responsible, once per change"
    ),
}
"""What each kind means and the fields it adds (English, for programs' authors: the event
API document's description of `kind`)."""


def describe_kinds() -> str:
    """The kinds and what each means, as one sentence for a schema's description."""
    return "; ".join(f"`{kind}` ({KIND_NOTES[kind]})" for kind in NoticeKind)
