"""The dry run's report (issue 24 §2): the period's deals fed one at a time, counted as they
come, so a million moves are never held at once.

Every move of the period is judged on its own facts (`replay.judge`) and every refused one
is counted, by rule, by the stage it was kept out of and by the deal's responsible then. For
the funnel, a deal stops at its first refused move: the stages it entered after it are not
reached. The funnel is that of the deals created in the period, as the funnel report
(`domain.funnel`) counts them: created, reached, won and their shares.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from crm_shared.config import CrmConfig
from crm_shared.contracts.refusals import ErrorBody
from crm_shared.contracts.text import utc_text
from deal_service.domain.funnel import share
from deal_service.domain.replay import DealPast, PastMove, Verdicts, judge

NOTES = ("fields_from_journal",)
"""What every report says of itself (stable codes; docs/cli.md tells them): field values
are today's with the journal's later changes undone; what the journal lacks is today's."""


def rule_keys(error: ErrorBody) -> list[str]:
    """The rules a refusal is counted under: each missing field, or the code and its case."""
    if error.missing_fields:
        return [f"missing_fields:{name}" for name in error.missing_fields]
    reason = (error.params or {}).get("reason")
    if reason == "unknown_stage":
        return ["unknown_stage"]
    return [f"{error.code.value}:{reason}" if reason else error.code.value]


@dataclass
class _Group:
    count: int = 0
    deals: set[str] = field(default_factory=set)
    examples: list[dict[str, Any]] = field(default_factory=list)


class RulesTry:
    """Counts the replay of [start, end) under `proposed`; `config` (the live one) names the
    people and orders the stages; at most `examples` examples per group."""

    def __init__(
        self,
        config: CrmConfig,
        proposed: CrmConfig,
        start: datetime,
        end: datetime,
        examples: int,
    ) -> None:
        self.config, self.proposed = config, proposed
        self.start, self.end, self.examples = start, end, examples
        self.moves = self.refused = self.deals = self.stopped = 0
        self.by_rule: dict[str, _Group] = {}
        self.by_stage: dict[str, _Group] = {}
        self.by_responsible: dict[str | None, _Group] = {}
        self.created = 0
        self.reached: dict[str, int] = {}
        self.would_reach: dict[str, int] = {}
        self.verdicts = Verdicts(proposed)

    def add(self, past: DealPast) -> None:
        """Judge one deal's moves of the period and count them."""
        verdicts = judge(past, self.proposed, self.verdicts)
        stopped = False
        entered: set[str] = set()
        would: set[str] = set()
        checked = 0
        for move, error in zip(past.moves, verdicts, strict=True):
            if move.from_stage is not None and move.at >= self.start:
                checked += 1
            if error is not None:
                self.refused += 1
                self._count(past, move, error)
                if not stopped:
                    stopped = True
                    self.stopped += 1
            entered.add(move.to_stage)
            if not stopped:
                would.add(move.to_stage)
        # The deals whose moves were checked: not every deal fed (one only created in the
        # period has its opening, no move; 7 moves in 2 deals were told «в 14 сделках»).
        self.moves += checked
        self.deals += int(checked > 0)
        if self.start <= past.deal.created_at < self.end:
            self.created += 1
            for stage in entered:
                self.reached[stage] = self.reached.get(stage, 0) + 1
            for stage in would:
                self.would_reach[stage] = self.would_reach.get(stage, 0) + 1

    def _count(self, past: DealPast, move: PastMove, error: ErrorBody) -> None:
        example: dict[str, Any] | None = None
        groups = [self.by_rule.setdefault(key, _Group()) for key in rule_keys(error)]
        groups.append(self.by_stage.setdefault(move.to_stage, _Group()))
        groups.append(self.by_responsible.setdefault(move.responsible_id, _Group()))
        for group in groups:
            group.count += 1
            group.deals.add(past.deal.id)
            if len(group.examples) < self.examples:
                example = example or _example(past, move, error)
                group.examples.append(example)

    def report(self) -> dict[str, Any]:
        """The report as JSON-ready data (`RulesTryReport`)."""
        return {
            "from": utc_text(self.start),
            "to": utc_text(self.end),
            "moves": self.moves,
            "refused": self.refused,
            "deals": self.deals,
            "stopped": self.stopped,
            "by_rule": _groups(self.by_rule, lambda key: None),
            "by_stage": _groups(self.by_stage, self._stage_name),
            "by_responsible": _groups(self.by_responsible, self._user_name),
            "funnel": self._funnel(),
            "notes": list(NOTES),
        }

    def _stage_name(self, code: str | None) -> str | None:
        stage = self.config.stage_or_none(code or "") or self.proposed.stage_or_none(code or "")
        return stage.name if stage else None

    def _user_name(self, user_id: str | None) -> str | None:
        user = self.config.user_or_none(user_id) if user_id else None
        return user.name if user else None

    def _funnel(self) -> dict[str, Any]:
        stages = list(self.config.stages)
        stages += [s for s in self.proposed.stages if self.config.stage_or_none(s.code) is None]
        success = self.config.success_stage.code
        won, would_win = self.reached.get(success, 0), self.would_reach.get(success, 0)
        return {
            "created": self.created,
            "won": won,
            "would_win": would_win,
            "conversion": share(won, self.created),
            "would_convert": share(would_win, self.created),
            "stages": [
                {
                    "code": s.code,
                    "name": s.name,
                    "kind": s.kind,
                    "reached": self.reached.get(s.code, 0),
                    "would_reach": self.would_reach.get(s.code, 0),
                    "share": share(self.reached.get(s.code, 0), self.created),
                    "would_share": share(self.would_reach.get(s.code, 0), self.created),
                }
                for s in stages
            ],
        }


def _example(past: DealPast, move: PastMove, error: ErrorBody) -> dict[str, Any]:
    return {
        "deal_id": past.deal.id,
        "title": past.deal.title,
        "from_stage": move.from_stage,
        "to_stage": move.to_stage,
        "at": utc_text(move.at),
        "actor_id": move.actor_id,
        "responsible_id": move.responsible_id,
        "error": error.model_dump(mode="json", exclude_none=True),
    }


def _groups(groups: dict[Any, _Group], name: Any) -> list[dict[str, Any]]:
    """Most refusals first."""
    ordered = sorted(groups.items(), key=lambda item: (-item[1].count, str(item[0])))
    return [
        {
            "key": key,
            "name": name(key),
            "count": group.count,
            "deals": len(group.deals),
            "examples": group.examples,
        }
        for key, group in ordered
    ]
