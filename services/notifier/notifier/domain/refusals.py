"""A refused move's notice goes stale once the deal reaches the stage anyway.

A manager whose move is refused is told why (rule 4, `move_rejected`), and the notice stays
in the inbox as long as it is news. When the deal then enters the stage it was refused for
(the board's dialog asked for the missing fields and moved it, or anyone moved it later),
the refusal is settled: that deal's unread notices refused for that stage are marked read,
every recipient's. A refusal for another stage stays unread.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from crm_shared.contracts.deal import MoveRejected, StageChanged
from crm_shared.contracts.notify import NoticeKind, Notification


@dataclass(frozen=True)
class Reached:
    """A deal entered a stage: its notices refused for that stage are settled."""

    deal_id: str
    stage: str


def stages_reached(events: Iterable[object]) -> list[Reached]:
    """The stages the deals entered in these events (StageChanged; any other is no move),
    each deal and stage once, in the order they came."""
    reached = (Reached(e.deal_id, e.to_stage) for e in events if isinstance(e, StageChanged))
    return list(dict.fromkeys(reached))


def refused_stages(event: MoveRejected, notes: Iterable[Notification]) -> dict[str, str]:
    """The stage each `move_rejected` notice of the event was refused for, by the notice's
    id (kept beside the notice in the inbox; each notice has its id already)."""
    return {
        note.id: event.to_stage
        for note in notes
        if note.kind == NoticeKind.move_rejected and note.id is not None
    }
