"""Request/reply bodies: commands (imperative) and queries, and the reply envelope (SPEC §5).

Bodies are plain JSON (no CloudEvents envelope). Every command and every query carries
`actor_id`: a command is checked against what the actor may change, a query is answered in
the actor's scope (SPEC §5; `access` in the configuration). It is required on queries too, so
that no client reads unscoped by leaving it out. A command may also carry `request_id`: the
same request id from the same actor within 24 hours gets the first reply again and changes
nothing (machinery.requests). Unknown keys are refused so that a typo'd field never silently
does nothing. Every string is one of crm_shared.contracts.text's types:
no NUL, no lone surrogate, a limit in bytes.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, model_validator

from crm_shared.contracts.dto import DeliveryMethod, PaysBy
from crm_shared.contracts.periods import check_moment, check_order
from crm_shared.contracts.text import Code, Cursor, Id, LongText, Name, Phone, Short, Subject, Title

MAX_BODY_BYTES = 64 * 1024

Moment = Annotated[Short, AfterValidator(check_moment)]
"""An RFC 3339 time with offset or a YYYY-MM-DD date, kept as sent (see `periods`)."""


class ErrorCode(StrEnum):
    """Codes of a refusal."""

    invalid = "invalid"
    not_found = "not_found"
    forbidden = "forbidden"
    missing_fields = "missing_fields"
    transition_not_allowed = "transition_not_allowed"
    rop_approval_required = "rop_approval_required"
    version_conflict = "version_conflict"
    unavailable = "unavailable"
    internal = "internal"


class Strict(BaseModel):
    """Base of every request body: unknown keys are an error."""

    model_config = ConfigDict(extra="forbid")
    SUBJECT: ClassVar[str]


class Command(Strict):
    """Base of every command: who asks, and an optional id that makes a retry harmless."""

    actor_id: Id
    request_id: Id | None = None


class ContactInput(Strict):
    """Contact fields a command may set."""

    name: Name | None = None
    phone: Phone | None = None
    email: EmailStr | None = None
    pays_by: PaysBy | None = None
    segment: Name | None = None


class DealFields(Strict):
    """Deal fields a command may set; `None` clears a field when given explicitly."""

    title: Title | None = None
    amount: Decimal | None = Field(None, ge=0, max_digits=16, decimal_places=2)
    currency: str | None = Field(None, pattern=r"^[A-Z]{3}$")
    company: Title | None = None
    responsible_id: Id | None = None
    rop_id: Id | None = None
    subject: Subject | None = None
    requirements: LongText | None = None
    delivery_method: DeliveryMethod | None = None
    delivery_address: LongText | None = None
    failure_comment: LongText | None = None
    contact: ContactInput | None = None


class CreateDeal(Command):
    """crm.cmd.deal.create: open a deal by hand in the entry stage."""

    SUBJECT: ClassVar[str] = "crm.cmd.deal.create"
    contact: ContactInput | None = None
    contact_id: Id | None = None
    title: Title | None = None
    responsible_id: Id | None = None
    rop_id: Id | None = None
    subject: Subject | None = None
    requirements: LongText | None = None
    amount: Decimal | None = Field(None, ge=0, max_digits=16, decimal_places=2)
    currency: str | None = Field(None, pattern=r"^[A-Z]{3}$")
    company: Title | None = None
    delivery_method: DeliveryMethod | None = None
    delivery_address: LongText | None = None
    source: Short | None = None


class UpdateDeal(Command):
    """crm.cmd.deal.update: change fields of a deal (not its stage)."""

    SUBJECT: ClassVar[str] = "crm.cmd.deal.update"
    deal_id: Id
    fields: DealFields
    expected_version: int | None = Field(
        None, ge=0, description="refused (version_conflict) unless the deal is at this version"
    )


class MoveDeal(Command):
    """crm.cmd.deal.move: move a deal to another stage, subject to the pipeline's rules."""

    SUBJECT: ClassVar[str] = "crm.cmd.deal.move"
    deal_id: Id
    to_stage: Code
    failure_comment: LongText | None = None
    expected_version: int | None = Field(
        None, ge=0, description="refused (version_conflict) unless the deal is at this version"
    )


class LogContactAttempt(Command):
    """crm.cmd.deal.contact_attempt: record a failed attempt to reach the client."""

    SUBJECT: ClassVar[str] = "crm.cmd.deal.contact_attempt"
    deal_id: Id
    note: Subject | None = None


class CompleteTask(Command):
    """crm.cmd.task.complete: the responsible or the РОП marks a task done."""

    SUBJECT: ClassVar[str] = "crm.cmd.task.complete"
    task_id: Id


class Query(Strict):
    """Base of every query: the answer is in this user's scope (their own deals and tasks, or
    all of them, by their role's `access`)."""

    actor_id: Id = Field(description="whose scope the answer is in")


# The start of an id as people type it from a list (lower-case hex and dashes, as ids are made).
ID_PREFIX = "^[0-9a-f-]{1,36}$"


class GetDeal(Query):
    """crm.query.deal.get."""

    SUBJECT: ClassVar[str] = "crm.query.deal.get"
    deal_id: Id


class ListDeals(Query):
    """crm.query.deal.list: newest first, keyset paging by an opaque cursor."""

    SUBJECT: ClassVar[str] = "crm.query.deal.list"
    stage: Code | None = None
    responsible_id: Id | None = None
    contact_id: Id | None = None
    id_prefix: str | None = Field(None, pattern=ID_PREFIX)
    limit: int = Field(50, ge=1, le=500)
    cursor: Cursor | None = None


class DealHistory(Query):
    """crm.query.deal.history: the stages a deal went through, newest first (a deal the
    actor may see)."""

    SUBJECT: ClassVar[str] = "crm.query.deal.history"
    deal_id: Id
    limit: int = Field(100, ge=1, le=500)


class StageTotals(Query):
    """crm.query.deal.stage_totals: per stage, how many deals and their sum by currency
    (a board's column headers), in the actor's scope."""

    SUBJECT: ClassVar[str] = "crm.query.deal.stage_totals"
    responsible_id: Id | None = None


class ListTasks(Query):
    """crm.query.task.list."""

    SUBJECT: ClassVar[str] = "crm.query.task.list"
    deal_id: Id | None = None
    deal_ids: list[Id] | None = Field(
        None, max_length=500, description="the tasks of any of these deals (a board's cards)"
    )
    responsible_id: Id | None = None
    status: str | None = Field(None, pattern="^(open|closed)$")
    overdue: bool | None = None
    id_prefix: str | None = Field(None, pattern=ID_PREFIX)
    limit: int = Field(50, ge=1, le=500)
    cursor: Cursor | None = None


class FunnelQuery(Query):
    """crm.query.analytics.funnel: the funnel report of the deals created in [from, to).

    `from` and `to` are RFC 3339 times with offset or YYYY-MM-DD dates (midnight UTC);
    `responsible_id` narrows the report to one manager's deals.
    """

    SUBJECT: ClassVar[str] = "crm.query.analytics.funnel"
    from_: Moment = Field(alias="from")
    to: Moment
    responsible_id: Id | None = None

    @model_validator(mode="after")
    def _period(self) -> Self:
        check_order(self.from_, self.to)
        return self


class OverdueTasksQuery(Query):
    """crm.query.task.overdue_by_responsible: per responsible, the tasks that are or were overdue.

    A task counts when its deadline passed before it was closed (or, while open, before
    now); with `from` / `to`, only tasks whose deadline falls in [from, to).
    """

    SUBJECT: ClassVar[str] = "crm.query.task.overdue_by_responsible"
    from_: Moment | None = Field(None, alias="from")
    to: Moment | None = None

    @model_validator(mode="after")
    def _period(self) -> Self:
        check_order(self.from_, self.to)
        return self


class ErrorBody(BaseModel):
    """The `error` of a refusal."""

    code: ErrorCode
    message: str
    missing_fields: list[str] | None = None
    correlation_id: str | None = Field(
        None, description="with `internal`: the id under which the service logged the failure"
    )


class Refused(Exception):
    """Raised by a handler to refuse a command; turned into `{"ok": false, "error": ...}`."""

    def __init__(
        self, code: ErrorCode, message: str, missing_fields: list[str] | None = None
    ) -> None:
        super().__init__(message)
        self.error = ErrorBody(code=code, message=message, missing_fields=missing_fields)


def ok(**payload: Any) -> dict[str, Any]:
    """A successful reply."""
    return {"ok": True, **payload}


def refusal(error: ErrorBody) -> dict[str, Any]:
    """A refusal reply."""
    return {"ok": False, "error": error.model_dump(mode="json", exclude_none=True)}


class PeriodQuery(Query):
    """crm.query.analytics.period: what happened in [from, to) (analytics v2's period view).

    Deals created, won (by the time they were won) and lost (by reason) in the period, per
    manager and per lead source, whenever the deals were created. Same `from`, `to`,
    `responsible_id` as the funnel (cohort) query.
    """

    SUBJECT: ClassVar[str] = "crm.query.analytics.period"
    from_: Moment = Field(alias="from")
    to: Moment
    responsible_id: Id | None = None

    @model_validator(mode="after")
    def _period(self) -> Self:
        check_order(self.from_, self.to)
        return self
