"""deal-service's dry run of a rule change (issue 24 §2): the stage history of a period
replayed against a proposed configuration, by deal-service (it owns the history and the rules).
Nothing changes.

The report says which of the period's moves the proposed rules would have refused and why
(the refusal as the move would have got it: `code`, `params`, `missing_fields`), grouped by
rule, by target stage and by manager, with examples, and how the funnel of the period's
deals would read had each stopped at its first refused move.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, ConfigDict, Field

from crm_shared.contracts.base import Answer, Asks, Query
from crm_shared.contracts.text import Plain, check_text

MAX_CONFIG_BYTES = 60 * 1024
"""The proposed configuration's text, in bytes as JSON: the request must stay under the bus's
`MAX_BODY_BYTES`. A longer file is sent without its comments (the CLI does: JSON is YAML)."""


MAX_SINCE_DAYS = 366


MAX_EXAMPLES = 20


ConfigText = Annotated[
    str,
    Field(min_length=1, max_length=MAX_CONFIG_BYTES),
    AfterValidator(partial(check_text, max_bytes=MAX_CONFIG_BYTES)),
]


class TriedMove(Answer):
    """One move the proposed rules would have refused: the deal, the move, who made it, and
    the refusal (`error`: `code`, `params`, `missing_fields`, as a real move's)."""

    deal_id: Plain
    title: Plain | None = None
    from_stage: Plain | None = None
    to_stage: Plain
    at: str
    actor_id: Plain | None = None
    responsible_id: Plain | None = None
    error: dict[str, Any]


class RefusalGroup(Answer):
    """Refused moves of one rule, one target stage or one manager: how many, a few examples.

    `key` is the rule (`missing_fields:<field>`, `rop_approval_required`,
    `transition_not_allowed:<reason>`, `unknown_stage`), the stage code or the user id
    (null: no responsible). `name` is the stage's or the user's display name where known.
    """

    key: Plain | None = None
    name: Plain | None = None
    count: int
    deals: int
    examples: list[TriedMove] = Field(default_factory=list)


class FunnelStageComparison(Answer):
    """A stage of the funnel of the period's deals: reached as it happened, and as it would
    have been had each deal stopped at its first refused move."""

    code: Plain
    name: Plain
    kind: Plain
    reached: int
    would_reach: int
    share: float | None = None
    would_share: float | None = None


class FunnelComparison(Answer):
    """The deals created in the period (the funnel report's cohort): won and conversion as
    they were and as they would have been."""

    created: int
    won: int
    would_win: int
    conversion: float | None = None
    would_convert: float | None = None
    stages: list[FunnelStageComparison]


class RulesTryReport(Answer):
    """The replay of [from, to): moves replayed and refused, deals stopped, the groups, the
    funnel comparison, and notes on what the replay could not know (codes: `fields_from_journal`,
    field values as at each move are today's with the journal's later changes undone)."""

    # `from` is a Python word: `from_` in code, `from` in JSON both ways.
    model_config = ConfigDict(
        validate_by_name=True, validate_by_alias=True, serialize_by_alias=True
    )
    from_: str = Field(alias="from")
    to: str
    moves: int
    refused: int
    deals: int
    stopped: int
    by_rule: list[RefusalGroup]
    by_stage: list[RefusalGroup]
    by_responsible: list[RefusalGroup]
    funnel: FunnelComparison
    notes: list[Plain] = Field(default_factory=list)


class RulesTryReply(Answer):
    """The dry run's report."""

    report: RulesTryReport


class TryRules(Query, Asks[RulesTryReply]):
    """crm.query.deal.rules_try: replay the last `since_days` days of stage history against a
    proposed configuration (`config`: its YAML text, checked by the same loader as the real
    one; a bad one is refused `invalid` with every problem in `params.problems`).

    Each move of the period is checked with the rules' own code on the deal as it stood at
    the move: today's field values with the journal's later field changes undone, and the
    contact attempts of the stay it left. In the actor's scope (a manager with `access: own`
    replays their own deals). Nothing changes.
    """

    SUBJECT: ClassVar[str] = "crm.query.deal.rules_try"
    config: ConfigText
    since_days: int = Field(90, ge=1, le=MAX_SINCE_DAYS)
    examples: int = Field(5, ge=0, le=MAX_EXAMPLES, description="examples per group at most")
