"""Request/reply bodies: commands (imperative) and queries, and the reply envelope (SPEC §5).

Bodies are plain JSON (no CloudEvents envelope). Every command carries `actor_id`.
Unknown keys are refused so that a typo'd field never silently does nothing.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, model_validator

from crm_shared.dto import DeliveryMethod, PaysBy
from crm_shared.periods import check_moment, check_order

MAX_BODY_BYTES = 64 * 1024

Moment = Annotated[str, AfterValidator(check_moment)]
"""An RFC 3339 time with offset or a YYYY-MM-DD date, kept as sent (see crm_shared.periods)."""


class ErrorCode(StrEnum):
    """Codes of a refusal."""

    invalid = "invalid"
    not_found = "not_found"
    forbidden = "forbidden"
    missing_fields = "missing_fields"
    transition_not_allowed = "transition_not_allowed"
    rop_approval_required = "rop_approval_required"
    unavailable = "unavailable"


class Strict(BaseModel):
    """Base of every request body: unknown keys are an error."""

    model_config = ConfigDict(extra="forbid")
    SUBJECT: ClassVar[str]


class ContactInput(Strict):
    """Contact fields a command may set."""

    name: str | None = Field(None, max_length=200)
    phone: str | None = Field(None, max_length=50)
    email: EmailStr | None = None
    pays_by: PaysBy | None = None
    segment: str | None = Field(None, max_length=200)


class DealFields(Strict):
    """Deal fields a command may set; `None` clears a field when given explicitly."""

    title: str | None = Field(None, max_length=500)
    amount: Decimal | None = Field(None, ge=0, max_digits=16, decimal_places=2)
    currency: str | None = Field(None, pattern=r"^[A-Z]{3}$")
    company: str | None = Field(None, max_length=500)
    responsible_id: str | None = None
    rop_id: str | None = None
    subject: str | None = Field(None, max_length=2000)
    requirements: str | None = Field(None, max_length=10000)
    delivery_method: DeliveryMethod | None = None
    failure_comment: str | None = Field(None, max_length=10000)
    contact: ContactInput | None = None


class CreateDeal(Strict):
    """crm.cmd.deal.create: open a deal by hand in the entry stage."""

    SUBJECT: ClassVar[str] = "crm.cmd.deal.create"
    actor_id: str = Field(min_length=1)
    contact: ContactInput | None = None
    contact_id: str | None = None
    title: str | None = Field(None, max_length=500)
    responsible_id: str | None = None
    rop_id: str | None = None
    subject: str | None = Field(None, max_length=2000)
    requirements: str | None = Field(None, max_length=10000)
    amount: Decimal | None = Field(None, ge=0, max_digits=16, decimal_places=2)
    currency: str | None = Field(None, pattern=r"^[A-Z]{3}$")
    company: str | None = Field(None, max_length=500)
    delivery_method: DeliveryMethod | None = None
    source: str | None = Field(None, max_length=100)


class UpdateDeal(Strict):
    """crm.cmd.deal.update: change fields of a deal (not its stage)."""

    SUBJECT: ClassVar[str] = "crm.cmd.deal.update"
    actor_id: str = Field(min_length=1)
    deal_id: str
    fields: DealFields


class MoveDeal(Strict):
    """crm.cmd.deal.move: move a deal to another stage, subject to the pipeline's rules."""

    SUBJECT: ClassVar[str] = "crm.cmd.deal.move"
    actor_id: str = Field(min_length=1)
    deal_id: str
    to_stage: str
    failure_comment: str | None = Field(None, max_length=10000)


class LogContactAttempt(Strict):
    """crm.cmd.deal.contact_attempt: record a failed attempt to reach the client."""

    SUBJECT: ClassVar[str] = "crm.cmd.deal.contact_attempt"
    actor_id: str = Field(min_length=1)
    deal_id: str
    note: str | None = Field(None, max_length=2000)


class CompleteTask(Strict):
    """crm.cmd.task.complete: the responsible or the РОП marks a task done."""

    SUBJECT: ClassVar[str] = "crm.cmd.task.complete"
    actor_id: str = Field(min_length=1)
    task_id: str


# The start of an id as people type it from a list (lower-case hex and dashes, as ids are made).
ID_PREFIX = "^[0-9a-f-]{1,36}$"


class GetDeal(Strict):
    """crm.query.deal.get."""

    SUBJECT: ClassVar[str] = "crm.query.deal.get"
    actor_id: str | None = Field(None, description="whose scope the answer is in")
    deal_id: str


class ListDeals(Strict):
    """crm.query.deal.list: newest first, keyset paging by an opaque cursor."""

    SUBJECT: ClassVar[str] = "crm.query.deal.list"
    actor_id: str | None = Field(None, description="whose scope the answer is in")
    stage: str | None = None
    responsible_id: str | None = None
    contact_id: str | None = None
    id_prefix: str | None = Field(None, pattern=ID_PREFIX)
    limit: int = Field(50, ge=1, le=500)
    cursor: str | None = None


class DealHistory(Strict):
    """crm.query.deal.history: the stages a deal went through, newest first."""

    SUBJECT: ClassVar[str] = "crm.query.deal.history"
    actor_id: str | None = Field(None, description="whose scope the answer is in")
    deal_id: str
    limit: int = Field(100, ge=1, le=500)


class StageTotals(Strict):
    """crm.query.deal.stage_totals: per stage, how many deals and their sum by currency
    (a board's column headers)."""

    SUBJECT: ClassVar[str] = "crm.query.deal.stage_totals"
    actor_id: str | None = Field(None, description="whose scope the answer is in")
    responsible_id: str | None = None


class ListTasks(Strict):
    """crm.query.task.list."""

    SUBJECT: ClassVar[str] = "crm.query.task.list"
    actor_id: str | None = Field(None, description="whose scope the answer is in")
    deal_id: str | None = None
    deal_ids: list[str] | None = Field(
        None, max_length=500, description="the tasks of any of these deals (a board's cards)"
    )
    responsible_id: str | None = None
    status: str | None = Field(None, pattern="^(open|closed)$")
    overdue: bool | None = None
    id_prefix: str | None = Field(None, pattern=ID_PREFIX)
    limit: int = Field(50, ge=1, le=500)
    cursor: str | None = None


class FunnelQuery(Strict):
    """crm.query.analytics.funnel: the funnel report of the deals created in [from, to).

    `from` and `to` are RFC 3339 times with offset or YYYY-MM-DD dates (midnight UTC);
    `responsible_id` narrows the report to one manager's deals.
    """

    SUBJECT: ClassVar[str] = "crm.query.analytics.funnel"
    actor_id: str | None = Field(None, description="whose scope the answer is in")
    from_: Moment = Field(alias="from")
    to: Moment
    responsible_id: str | None = None

    @model_validator(mode="after")
    def _period(self) -> Self:
        check_order(self.from_, self.to)
        return self


class OverdueTasksQuery(Strict):
    """crm.query.task.overdue_by_responsible: per responsible, the tasks that are or were overdue.

    A task counts when its deadline passed before it was closed (or, while open, before
    now); with `from` / `to`, only tasks whose deadline falls in [from, to).
    """

    SUBJECT: ClassVar[str] = "crm.query.task.overdue_by_responsible"
    actor_id: str | None = Field(None, description="whose scope the answer is in")
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
