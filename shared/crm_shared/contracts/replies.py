"""What each command and query answers when it succeeds, and how a request names its reply.

A request model declares its reply by deriving from `Asks[ItsReply]` (`class MoveDeal(Command,
Asks[MoveDealReply])`): the typed request client (crm_shared.machinery.asking) reads the
reply type from there, so `await bus.ask(MoveDeal(...))` is a `MoveDealReply` to mypy and at
run time. The services still build their replies as JSON (`ok(...)`); these models are what a
client reads, without the `ok` flag (a refusal is raised, never returned).

Times that a service writes as `isoformat()` text (history, approvals, the inbox, deliveries)
are kept as that text, so that a reply passed on (the gateway's JSON API) is byte for byte
what the service said. A report is laid out by the domain and passed on as it is: free-form.
"""

from __future__ import annotations

from typing import Any, ClassVar, Generic, TypeVar, get_args

from pydantic import BaseModel, Field

from crm_shared.contracts.dto import Deal, Task, TaskComment
from crm_shared.contracts.notices import NoticeKind
from crm_shared.contracts.text import Plain

R = TypeVar("R", bound="Answer", covariant=True)  # a request asks for its reply or less


class Answer(BaseModel):
    """Base of every ok reply: the payload after `ok: true` (unknown keys are ignored, so
    that a service may add fields before its clients read them)."""


class Asks(Generic[R]):
    """Mixin of a request model that names its reply type: `class GetDeal(Query,
    Asks[DealReply])`. `Reply` is set from the type argument when the class is made."""

    Reply: ClassVar[type[Answer]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for base in getattr(cls, "__orig_bases__", ()):
            if getattr(base, "__origin__", None) is Asks:
                (cls.Reply,) = get_args(base)


# --- deal-service ---------------------------------------------------------------------------


class DealReply(Answer):
    """A deal as it is now (create, contact attempt, get)."""

    deal: Deal


class UpdateDealReply(DealReply):
    """The deal after an update, and the names of the fields that changed (empty: none)."""

    changed: list[Plain] = Field(default_factory=list)


class MoveDealReply(DealReply):
    """The deal after a move (with any `fields` given applied in the same version), and the
    names of the fields that move changed besides the stage (empty: none)."""

    changed: list[Plain] = Field(default_factory=list)


class DealPage(Answer):
    """A page of deals, newest first; `next_cursor` asks for the next one."""

    items: list[Deal]
    next_cursor: Plain | None = None


class StageTotal(Answer):
    """One stage's deal count and sums by currency (decimal strings)."""

    stage: Plain
    count: int
    sums: dict[str, str] = Field(default_factory=dict)


class StageTotalsReply(Answer):
    """Every stage in pipeline order."""

    items: list[StageTotal]


class StageEntry(Answer):
    """One move of a deal: from where, to where, by whom, when (ISO 8601 text)."""

    from_stage: Plain | None = None
    to_stage: Plain
    actor_id: Plain | None = None
    at: str


class DealHistoryReply(Answer):
    """A deal's stage entries, newest first."""

    deal_id: Plain
    items: list[StageEntry]


class PendingApproval(Answer):
    """A move waiting for the РОП's agreement."""

    deal: Deal
    to_stage: Plain
    asked_by: Plain
    asked_at: str


class PendingApprovalsReply(Answer):
    """The waiting moves, oldest first."""

    items: list[PendingApproval]


class ReportReply(Answer):
    """An analytics report as the domain lays it out (free-form: see docs/event-api.md)."""

    report: dict[str, Any]


# --- task-service ---------------------------------------------------------------------------


class TaskReply(Answer):
    """A task as it is now."""

    task: Task


class TaskPage(Answer):
    """A page of tasks; `next_cursor` asks for the next one."""

    items: list[Task]
    next_cursor: Plain | None = None


class TaskCommentsReply(Answer):
    """A page of a task's comments, oldest first, and how many it has."""

    items: list[TaskComment]
    total: int
    next_cursor: Plain | None = None


class OverdueRow(Answer):
    """One responsible's overdue tasks: how many, how many still open, the latest of them."""

    responsible_id: Plain | None = None
    overdue: int
    open: int
    tasks: list[dict[str, Any]] = Field(default_factory=list)


class OverdueReply(Answer):
    """Per responsible, and the total."""

    items: list[OverdueRow]
    total: int


# --- notifier -------------------------------------------------------------------------------


class Notification(Answer):
    """One notification of a person's inbox."""

    id: Plain
    kind: NoticeKind
    text: Plain
    deal_id: Plain | None = None
    task: dict[str, Any] | None = None
    created_at: str
    read: bool


class NotificationsReply(Answer):
    """A page of the inbox, newest first, and how many are unread."""

    items: list[Notification]
    unread: int
    next_cursor: Plain | None = None


class ReadReply(Answer):
    """How many notifications were unread and now are read."""

    count: int


class DeliveriesReply(Answer):
    """Deliveries (rows as the notifier keeps them, times as ISO 8601 text) and how many."""

    items: list[dict[str, Any]]
    total: int


class NotRetried(Answer):
    """An asked-for delivery that was not retried, and why."""

    id: Plain
    reason: Plain


class RetryReply(Answer):
    """The deliveries retried, and why each other one asked for was not."""

    retried: list[Plain]
    not_retried: list[NotRetried] = Field(default_factory=list)
