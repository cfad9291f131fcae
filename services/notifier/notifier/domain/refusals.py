"""A refused move's notice goes stale once the deal reaches the stage anyway.

A manager whose move is refused is told why (rule 4, `move_rejected`), and the notice stays
in the inbox as long as it is news. When the deal then enters the stage it was refused for
(the board's dialog asked for the missing fields and moved it, or anyone moved it later),
the refusal is settled: that deal's unread notices refused for that stage are marked read,
every recipient's. A refusal for another stage stays unread.

The refusal and the move reach the notifier through separate consumers, so the move may be
handled first; the refusal then finds the deal already there in the idle watch's copy of it
(stage and version) and is stored read. Either way only a move made after the refusal settles
it (a later version than the deal's at the refusal, which the notice keeps): the deal consumer,
behind, may handle a move into the stage made before the refusal, or still hold a copy from
before the move away.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from crm_shared.contracts.deal import MoveRejected, StageChanged
from crm_shared.contracts.notify import NoticeKind, Notification


@dataclass(frozen=True)
class Reached:
    """A deal entered a stage at a version: its notices refused for that stage before that
    version are settled."""

    deal_id: str
    stage: str
    version: int


def stages_reached(events: Iterable[object]) -> list[Reached]:
    """The stages the deals entered in these events (StageChanged; any other is no move),
    each deal and stage once, in the order they came. A deal's creation (`from_stage` null)
    settles nothing: no move of a deal can have been refused before it existed, and leaving
    it out spares every lead the refusal lock and the settling UPDATE (issue 25)."""
    reached = (
        Reached(e.deal_id, e.to_stage, e.version)
        for e in events
        if isinstance(e, StageChanged) and e.from_stage is not None
    )
    return list(dict.fromkeys(reached))


@dataclass(frozen=True)
class Refusal:
    """What a `move_rejected` notice was about: the deal, the stage the move was refused for,
    and the deal's version then (None: an event from before MoveRejected carried the deal)."""

    deal_id: str
    stage: str
    version: int | None


def refusals_of(event: MoveRejected, notes: Iterable[Notification]) -> dict[str, Refusal]:
    """The refusal each `move_rejected` notice of the event tells of, by the notice's id
    (its stage kept beside the notice in the inbox; each notice has its id already)."""
    version = event.deal.version if event.deal is not None else None
    return {
        note.id: Refusal(event.deal_id, event.to_stage, version)
        for note in notes
        if note.kind == NoticeKind.move_rejected and note.id is not None
    }
