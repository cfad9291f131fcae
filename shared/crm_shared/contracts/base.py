"""The bases every owner's contracts build on: a request body (`Strict`), a command and a
query (`Command`, `Query`; `Windowed`, a query over a period, checks it once here), a reply
(`Answer`) and how a request names it (`Asks`), an event's payload (`EventData`).

Request bodies are plain JSON (no CloudEvents envelope). Every command and every query carries
`actor_id`: a command is checked against what the actor may change, a query is answered in
the actor's scope (SPEC §5; `access` in the configuration). It is required on queries too, so
that no client reads unscoped by leaving it out. A command may also carry `request_id`: the
same request id from the same actor within 24 hours gets the first reply again and changes
nothing (machinery.requests). Unknown keys are refused (a typo'd field never silently does
nothing). Every string is a crm_shared.contracts.text type: storable, limited in bytes.

A request model declares its reply by deriving from `Asks[ItsReply]` (`class MoveDeal(Command,
Asks[MoveDealReply])`): the typed request client (crm_shared.machinery.asking) reads the
reply type from there, so `await bus.ask(MoveDeal(...))` is a `MoveDealReply` to mypy and at
run time. The services still build their replies as JSON (`ok(...)`); the reply models are
what a client reads, without the `ok` flag (a refusal is raised, never returned).
"""

from __future__ import annotations

from typing import Any, ClassVar, Generic, Self, TypeVar, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

from crm_shared.contracts.periods import check_order
from crm_shared.contracts.text import Id

MAX_BODY_BYTES = 64 * 1024


class Strict(BaseModel):
    """Base of every request body: unknown keys are an error."""

    model_config = ConfigDict(extra="forbid")
    SUBJECT: ClassVar[str]


class Command(Strict):
    """Base of every command: who asks, and an optional id that makes a retry harmless."""

    actor_id: Id
    request_id: Id | None = None


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


class EventData(BaseModel):
    """Base of every event payload."""

    SUBJECT: ClassVar[str]
    TYPE: ClassVar[str]
