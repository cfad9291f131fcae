"""Bodies of the JSON API as OpenAPI shows them (requests and the answers' shapes)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from crm_shared.contracts.deal import ContactInput, DealFields, LeadContact
from crm_shared.contracts.dto import Deal, Task
from crm_shared.contracts.notify import IdleDeal
from crm_shared.contracts.text import ID_BYTES


class Body(BaseModel):
    """Request bodies refuse unknown keys (a typo never silently does nothing)."""

    model_config = ConfigDict(extra="forbid")


class SignIn(Body):
    """A person signs in with their user id (from the CRM configuration) and password."""

    user_id: str = Field(min_length=1, max_length=ID_BYTES)
    password: str = Field(min_length=1, max_length=1000)


class UserOut(BaseModel):
    """A configured user."""

    id: str
    name: str
    role: str


class TokenInfo(BaseModel):
    """The token a request came with (GET /api/session with a token)."""

    id: str
    name: str
    scopes: list[str]


class SessionOut(BaseModel):
    """The signed-in person and the CSRF token to send as `X-CSRF-Token`; with a token, the
    user it acts as, no CSRF token, and the token itself."""

    user: UserOut
    csrf_token: str | None = None
    token: TokenInfo | None = None


class LeadIn(BaseModel):
    """A lead (the `crm.lead.received` event's data). `source` defaults to the token's name;
    `external_id` to the Idempotency-Key or a hash of the body."""

    model_config = ConfigDict(extra="ignore")
    source: str | None = Field(None, max_length=100)
    external_id: str | None = Field(None, max_length=200)
    contact: LeadContact
    title: str | None = None
    subject: str | None = None
    requirements: str | None = None
    amount: Decimal | None = Field(
        None,
        ge=0,
        max_digits=16,
        decimal_places=2,
        description='a decimal, as a JSON number or a string: 15000.5 or "15000.50" (as on '
        "POST /api/deals)",
    )
    currency: str | None = None
    responsible_id: str | None = None
    comment: str | None = None


class LeadAccepted(BaseModel):
    """The lead is stored in JetStream (`sequence` in stream CRM_LEADS)."""

    accepted: bool = True
    source: str
    external_id: str
    sequence: int
    duplicate: bool = Field(
        False,
        description="JetStream already held this lead (the same source and external_id within "
        "the stream's duplicate window, 2 minutes): `sequence` is the first copy's, and no "
        "second deal is made. Later repeats say false and make no second deal either "
        "(deal-service keys leads on the same pair). A repeated Idempotency-Key gets the "
        "first answer as it was.",
    )


class DealCreateIn(DealFields):
    """A deal made by hand, in the entry stage; the caller is its actor."""

    contact_id: str | None = None
    source: str | None = Field(None, max_length=100)


class MoveIn(Body):
    """Move a deal. `expected_version`: the version the caller saw (409 if it changed);
    `fields`: saved before the move (the "fill in what is missing and move" dialog)."""

    to_stage: str
    failure_comment: str | None = Field(None, max_length=10000)
    expected_version: int | None = None
    fields: DealFields | None = None


class ContactAttemptIn(Body):
    """A failed attempt to reach the client."""

    note: str | None = Field(None, max_length=2000)


class CommentIn(Body):
    """A comment on a task."""

    text: str = Field(min_length=1, max_length=10000)


class MarkReadIn(Body):
    """Mark notifications read: some by id, or all."""

    ids: list[str] | None = None
    all: bool | None = None


class DealOut(BaseModel):
    """One deal."""

    deal: Deal


class DealPage(BaseModel):
    """A page of deals, newest first; pass `next_cursor` as `cursor` for the next."""

    items: list[Deal]
    next_cursor: str | None = None
    idle: dict[str, IdleDeal] = Field(
        default_factory=dict, description="deal id → its idle mark, for the page's deals idle now"
    )


class StageColumn(BaseModel):
    """The first page of one stage's deals."""

    code: str
    name: str
    kind: str
    count: int = 0
    sums: dict[str, str] = Field(default_factory=dict, description="currency → sum")
    items: list[Deal]
    next_cursor: str | None = None


class BoardOut(BaseModel):
    """The first page of every stage, in pipeline order, and the shown deals' open tasks."""

    stages: list[StageColumn]
    tasks: dict[str, Task] = Field(default_factory=dict, description="deal id → open task")
    idle: dict[str, IdleDeal] = Field(
        default_factory=dict,
        description="deal id → its idle mark, for the shown deals idle now («засиделась»: "
        "past their stage's threshold with no activity)",
    )


class TaskOut(BaseModel):
    """One task."""

    task: Task


class TaskPage(BaseModel):
    """A page of tasks."""

    items: list[Task]
    next_cursor: str | None = None


class ErrorDetail(BaseModel):
    """Why a request was refused: `code` is stable, `message` English for programs and
    logs; `params` names the case (`reason`) and what a person's sentence needs (`problems`:
    the fields refused, in Russian); `fields` names missing fields for people."""

    model_config = ConfigDict(extra="allow")
    code: str
    message: str
    params: dict[str, Any] | None = None
    missing_fields: list[str] | None = None
    fields: list[dict[str, str]] | None = None


class ErrorOut(BaseModel):
    """A refusal."""

    error: ErrorDetail


class Anything(BaseModel):
    """A service's answer as it is (see the AsyncAPI document for its fields)."""

    model_config = ConfigDict(extra="allow")


ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut} for code in (400, 401, 403, 404, 409, 422, 429, 503)
}
__all__ = ["ContactInput", "DealFields"]


class TokenIn(Body):
    """A new integration token."""

    name: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.-]+$")
    scopes: list[str] = Field(min_length=1)
    format: str = Field("json", description="json | tilda | bitrix24 | standard_webhooks")
    rate_per_second: float = Field(50.0, gt=0)
    burst: int = Field(100, ge=1)


class TokenOut(BaseModel):
    """A stored token (never its secret)."""

    id: str
    name: str
    scopes: list[str]
    format: str
    rate_per_second: float
    burst: int
    created_at: datetime
    revoked_at: datetime | None = None
    owner_id: str | None = Field(
        None, description="the user the token acts as; none: leads and events only"
    )
    signed: bool


class NewTokenOut(BaseModel):
    """A token as made: shown once."""

    id: str
    name: str
    owner_id: str | None = Field(None, description="the user the token acts as")
    token: str
    webhook_secret: str | None = None
