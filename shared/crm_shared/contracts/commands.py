"""Request/reply bodies: commands (imperative) and queries, and the reply envelope (SPEC §5).

Bodies are plain JSON (no CloudEvents envelope). Every command and every query carries
`actor_id`: a command is checked against what the actor may change, a query is answered in
the actor's scope (SPEC §5; `access` in the configuration). It is required on queries too, so
that no client reads unscoped by leaving it out. A command may also carry `request_id`: the
same request id from the same actor within 24 hours gets the first reply again and changes
nothing (machinery.requests). Unknown keys are refused (a typo'd field never silently does
nothing). Every string is a crm_shared.contracts.text type: storable, limited in bytes.
"""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar, Self

from pydantic import BaseModel, ConfigDict, EmailStr, Field, model_validator

from crm_shared.contracts.dto import DeliveryMethod, PaysBy
from crm_shared.contracts.periods import Moment, check_order
from crm_shared.contracts.refusals import ErrorBody as ErrorBody
from crm_shared.contracts.refusals import ErrorCode as ErrorCode
from crm_shared.contracts.refusals import Refused as Refused
from crm_shared.contracts.refusals import ok as ok
from crm_shared.contracts.refusals import refusal as refusal
from crm_shared.contracts.replies import (
    Asks,
    DealHistoryReply,
    DealPage,
    DealReply,
    MoveDealReply,
    OverdueReply,
    ReportReply,
    StageTotalsReply,
    TaskPage,
    TaskReply,
    UpdateDealReply,
)
from crm_shared.contracts.text import Code, Cursor, Id, LongText, Name, Phone, Short, Subject, Title

MAX_BODY_BYTES = 64 * 1024


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


DEAL_FIELD_NAMES: tuple[str, ...] = tuple(n for n in DealFields.model_fields if n != "contact")
"""The deal's own fields a command may set, in their order: the one list that deal-service's
domain and table and the gateway's forms read (a new field: `DealFields`, the `Deal`
dataclass, a migration and the table's declaration)."""
CONTACT_FIELD_NAMES: tuple[str, ...] = tuple(ContactInput.model_fields)
"""The contact's fields a command may set (`contact.<name>` in forms and `missing_fields`)."""


class CreateDeal(Command, Asks[DealReply]):
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


class UpdateDeal(Command, Asks[UpdateDealReply]):
    """crm.cmd.deal.update: change fields of a deal (not its stage)."""

    SUBJECT: ClassVar[str] = "crm.cmd.deal.update"
    deal_id: Id
    fields: DealFields
    expected_version: int | None = Field(
        None, ge=0, description="refused (version_conflict) unless the deal is at this version"
    )


class MoveDeal(Command, Asks[MoveDealReply]):
    """crm.cmd.deal.move: move a deal to another stage, subject to the pipeline's rules.

    `fields` (optional) are set in the same step, as a board's "fill in and move" dialog
    sends them: checked with the move on the deal as filled in, applied only if it moves,
    in one version and one StageChanged (its `changed`). Not the responsible or the РОП:
    a reassignment is an update of its own.
    """

    SUBJECT: ClassVar[str] = "crm.cmd.deal.move"
    deal_id: Id
    to_stage: Code
    failure_comment: LongText | None = None
    fields: DealFields | None = None
    expected_version: int | None = Field(
        None, ge=0, description="refused (version_conflict) unless the deal is at this version"
    )


class LogContactAttempt(Command, Asks[DealReply]):
    """crm.cmd.deal.contact_attempt: record a failed attempt to reach the client."""

    SUBJECT: ClassVar[str] = "crm.cmd.deal.contact_attempt"
    deal_id: Id
    note: Subject | None = None


class CompleteTask(Command, Asks[TaskReply]):
    """crm.cmd.task.complete: the responsible or the РОП marks a task done."""

    SUBJECT: ClassVar[str] = "crm.cmd.task.complete"
    task_id: Id


class Query(Strict):
    """Base of every query: the answer is in this user's scope (their own deals and tasks, or
    all of them, by their role's `access`)."""

    actor_id: Id = Field(description="whose scope the answer is in")


class Windowed(Query):
    """Base of the queries over a window [from, to): `from` (an alias, as `from` is a Python
    word; `from_` in code) not after `to`."""

    model_config = ConfigDict(extra="forbid", validate_by_name=True, validate_by_alias=True)

    @model_validator(mode="after")
    def _period(self) -> Self:
        check_order(getattr(self, "from_", None), getattr(self, "to", None))
        return self


# The start of an id as people type it from a list (lower-case hex and dashes, as ids are made).
ID_PREFIX = "^[0-9a-f-]{1,36}$"


class GetDeal(Query, Asks[DealReply]):
    """crm.query.deal.get."""

    SUBJECT: ClassVar[str] = "crm.query.deal.get"
    deal_id: Id


class ListDeals(Query, Asks[DealPage]):
    """crm.query.deal.list: newest first, keyset paging by an opaque cursor."""

    SUBJECT: ClassVar[str] = "crm.query.deal.list"
    stage: Code | None = None
    responsible_id: Id | None = None
    contact_id: Id | None = None
    id_prefix: str | None = Field(None, pattern=ID_PREFIX)
    limit: int = Field(50, ge=1, le=500)
    cursor: Cursor | None = None


class DealHistory(Query, Asks[DealHistoryReply]):
    """crm.query.deal.history: the stages a deal went through, newest first (a deal the
    actor may see)."""

    SUBJECT: ClassVar[str] = "crm.query.deal.history"
    deal_id: Id
    limit: int = Field(100, ge=1, le=500)


class StageTotals(Query, Asks[StageTotalsReply]):
    """crm.query.deal.stage_totals: per stage, how many deals and their sum by currency
    (a board's column headers), in the actor's scope."""

    SUBJECT: ClassVar[str] = "crm.query.deal.stage_totals"
    responsible_id: Id | None = None


class ListTasks(Query, Asks[TaskPage]):
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


class FunnelQuery(Windowed, Asks[ReportReply]):
    """crm.query.analytics.funnel: the funnel report of the deals created in [from, to).

    `from` and `to` are RFC 3339 times with offset or YYYY-MM-DD dates (midnight UTC);
    `responsible_id` narrows the report to one manager's deals.
    """

    SUBJECT: ClassVar[str] = "crm.query.analytics.funnel"
    from_: Moment = Field(alias="from")
    to: Moment
    responsible_id: Id | None = None


class OverdueTasksQuery(Windowed, Asks[OverdueReply]):
    """crm.query.task.overdue_by_responsible: per responsible, the tasks that are or were overdue.

    A task counts when its deadline passed before it was closed (or, while open, before
    now); with `from` / `to`, only tasks whose deadline falls in [from, to).
    """

    SUBJECT: ClassVar[str] = "crm.query.task.overdue_by_responsible"
    from_: Moment | None = Field(None, alias="from")
    to: Moment | None = None


class PeriodQuery(Windowed, Asks[ReportReply]):
    """crm.query.analytics.period: what happened in [from, to) (analytics v2's period view).

    Deals created, won (by the time they were won) and lost (by reason) in the period, per
    manager and per lead source, whenever the deals were created. Same `from`, `to`,
    `responsible_id` as the funnel (cohort) query.
    """

    SUBJECT: ClassVar[str] = "crm.query.analytics.period"
    from_: Moment = Field(alias="from")
    to: Moment
    responsible_id: Id | None = None
    weeks: bool = Field(False, description="also `weeks`: the won deals week by week")
