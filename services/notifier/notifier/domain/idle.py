"""Idle deals (issue 24, «засиделась»): what counts as activity, and how a batch of it
folds into one change per deal.

Activity is a move, a field change, a note, a contact attempt (a `DealUpdated` naming
`contact_attempts`) or a task done (`TaskClosed` with close_reason completed). A deal event
carries the whole deal (`Sighting`: its stage and people may change too); a note or a task
done only says when (`Touch`). A deal's idle time is due at its last activity plus its
stage's threshold; the due times live in the table `idle_deals` (`adapters/idle.py`), and
the watcher fires them as they come.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from crm_shared.contracts.deal import DealNoted, DealUpdated, StageChanged
from crm_shared.contracts.dto import CloseReason, Deal, Task, client_of
from crm_shared.contracts.task import TaskClosed


@dataclass(frozen=True)
class Sighting:
    """A deal as an event showed it, and the moment of that activity."""

    deal_id: str
    version: int
    stage: str
    active: bool
    responsible_id: str | None
    rop_id: str | None
    title: str | None
    contact_name: str | None
    at: datetime


@dataclass(frozen=True)
class IdleRow:
    """A deal just found idle, or one of those idle now."""

    deal_id: str
    stage: str
    responsible_id: str | None
    rop_id: str | None
    title: str | None
    contact_name: str | None
    last_activity_at: datetime
    due_at: datetime
    fired_at: datetime


NO_ACTIVITY = datetime(1970, 1, 1, tzinfo=UTC)
"""The moment of a sighting that is no activity: older than any, so the deal's last
activity (the latest of its sightings') stays what it was."""


@dataclass(frozen=True)
class Touch:
    """Activity on a deal that does not show the deal (a note, a task done)."""

    deal_id: str
    at: datetime


def sighting(deal: Deal, active: bool, version: int | None = None) -> Sighting:
    """The deal as seen now; its `updated_at` is the moment of the activity."""
    return Sighting(
        deal_id=deal.id,
        version=deal.version if version is None else version,
        stage=deal.stage,
        active=active,
        responsible_id=deal.responsible_id,
        rop_id=deal.rop_id,
        title=deal.title,
        contact_name=client_of(deal),
        at=deal.updated_at,
    )


class ActiveStage:
    """Whether a stage code is an active (watched) stage of the pipeline."""

    def __init__(self, active: set[str]) -> None:
        self._active = active

    def __call__(self, stage: str) -> bool:
        return stage in self._active


IdleEvent = StageChanged | DealUpdated | DealNoted | TaskClosed


def activity_of(event: IdleEvent, is_active: ActiveStage) -> Sighting | Touch | None:
    """What an event says of a deal's activity; None when it is none (a task closed because
    its stage was left says nothing the move did not)."""
    if isinstance(event, StageChanged):
        seen = sighting(event.deal, is_active(event.to_stage), event.version)
        if event.imported:  # the idle clock starts at the import, as its task's deadline does
            return replace(seen, at=max(seen.at, datetime.now(UTC)))
        return seen
    if isinstance(event, DealUpdated):
        seen = sighting(event.deal, is_active(event.deal.stage))
        if event.erased:  # a person's data erased: new copies, but nobody worked on the deal
            return replace(seen, at=NO_ACTIVITY)
        return seen
    if isinstance(event, DealNoted):
        return Touch(event.deal_id, event.at)
    return task_done(event.task)


def task_done(task: Task) -> Touch | None:
    """A task closed as completed is activity on its deal; closed otherwise (its stage left,
    the deal closed) it says nothing the move did not."""
    if task.close_reason == CloseReason.completed and task.closed_at is not None:
        return Touch(task.deal_id, task.closed_at)
    return None


def fold(
    activity: list[Sighting | Touch],
) -> tuple[list[Sighting], list[Touch]]:
    """One sighting per deal (the newest version's fields, the latest moment of any of its
    sightings) and one touch per deal (the latest), in the order deals first appeared."""
    seen: dict[str, Sighting] = {}
    touched: dict[str, Touch] = {}
    for item in activity:
        if isinstance(item, Touch):
            held_touch = touched.get(item.deal_id)
            if held_touch is None or item.at > held_touch.at:
                touched[item.deal_id] = item
            continue
        held = seen.get(item.deal_id)
        if held is None:
            seen[item.deal_id] = item
            continue
        newer = item if item.version >= held.version else held
        at = max(item.at, held.at)
        seen[item.deal_id] = replace(newer, at=at)
    return list(seen.values()), list(touched.values())
