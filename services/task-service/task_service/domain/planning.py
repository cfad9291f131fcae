"""SPEC §3 rules 1–2 as task-service sees them: which tasks a deal event opens and closes.

Every deal event (StageChanged, DealUpdated) carries the whole deal at its version, so the
rules compare that snapshot with the last one applied (`DealState`) and act on the
difference. An event whose version is not newer than the applied one changes nothing: a late,
repeated or out-of-order event never opens a second task nor reopens a closed one. Tasks are
opened on transitions only (entering a stage, a deal arriving without a РОП), so a task that a
person completed is not opened again by the next update of the same deal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from crm_shared.config import CrmConfig, Stage, UnknownStage, render_task_title, render_template
from crm_shared.contracts.dto import CloseReason, client_of
from crm_shared.contracts.dto import Deal as DealDTO
from task_service.domain.model import DealState, Task, task_id


@dataclass(frozen=True)
class DealChange:
    """A deal event read as "the deal is now like this": its snapshot and whether it is a move.

    For a StageChanged the deal's `updated_at` is the time it entered its stage; when an
    import moved it (`imported`) that time is the source's, and a task it opens is due the
    stage's duration from its opening (born overdue otherwise).
    """

    deal: DealDTO
    is_move: bool
    imported: bool = False

    @property
    def version(self) -> int:
        """The deal's version after the change."""
        return self.deal.version


@dataclass(frozen=True)
class Opened:
    """A task was opened; `lead_created_at` is set when it is a new deal's first task.

    Like every event here it holds a copy of the task as it was then: a task opened and
    closed in one batch is announced open, then closed.
    """

    task: Task
    lead_created_at: datetime | None = None


@dataclass(frozen=True)
class Closed:
    """A task was closed (`task.close_reason` says why)."""

    task: Task


@dataclass(frozen=True)
class Reassigned:
    """An open task got a new responsible or creator, or its deal a new title or contact
    name (which texts about the task show); `changed` names the fields."""

    task: Task
    changed: tuple[str, ...]


TaskEvent = Opened | Closed | Reassigned


@dataclass
class DealTasks:
    """The aggregate: one deal's applied state and its open tasks, and the events it raised.

    `new` holds tasks opened here (to insert), `dirty` existing tasks that changed (to update).
    """

    state: DealState
    open_tasks: list[Task]
    events: list[TaskEvent] = field(default_factory=list)
    new: dict[str, Task] = field(default_factory=dict)
    dirty: dict[str, Task] = field(default_factory=dict)

    def apply(self, change: DealChange, config: CrmConfig, now: datetime) -> bool:
        """Bring the tasks in line with the deal at `change.version`; False if it is stale.

        Raises `UnknownStage` (before changing anything) when the deal's stage is not in the
        configured pipeline.
        """
        if change.version <= self.state.version:
            return False
        deal = change.deal
        stage = config.stage_or_none(deal.stage)
        if stage is None:
            raise UnknownStage(deal.stage)
        previous = self.state
        first = previous.version == 0
        entered = first or previous.stage != deal.stage
        if stage.is_final:
            for task in list(self.open_tasks):
                self._close(task, CloseReason.deal_closed, now)
        else:
            for task in [t for t in self.open_tasks if t.kind == "stage" and t.stage != deal.stage]:
                self._close(task, CloseReason.stage_left, now)
            if deal.rop_id is not None:
                for task in [t for t in self.open_tasks if t.kind == "rop"]:
                    self._close(task, CloseReason.rop_set, now)
            self._reassign(deal)
            has_stage_task = any(t.stage == deal.stage for t in self.open_tasks)
            if entered and stage.task is not None and not has_stage_task:
                self._open_stage_task(change, stage, config, now, first)
            rop_cleared = first or previous.rop_id is not None
            if not config.rop_robot and deal.rop_id is None and rop_cleared:
                start = now if change.imported else deal.updated_at
                self._open_rop_task(deal, config, now, start)
        self.state = DealState(
            deal_id=deal.id,
            version=deal.version,
            stage=deal.stage,
            responsible_id=deal.responsible_id,
            rop_id=deal.rop_id,
            closed=stage.is_final,
        )
        return True

    def _open_stage_task(
        self, change: DealChange, stage: Stage, config: CrmConfig, now: datetime, first: bool
    ) -> None:
        assert stage.task is not None and stage.deadline is not None
        deal = change.deal
        fields = _fields(deal)
        # An import's move happened in the source, maybe days ago: its task is due from now.
        start = now if change.imported else entered_at(change, config)
        task = Task(
            id=task_id(deal.id, deal.version, stage.code),
            deal_id=deal.id,
            stage=stage.code,
            title=render_task_title(stage.task.title, fields),
            description=render_template(stage.task.description_for(deal.delivery_method), fields),
            creator_id=deal.rop_id,
            responsible_id=deal.responsible_id,
            deadline=start + stage.deadline,
            rop_id=deal.rop_id,
            opened_at=now,
            deal_version=deal.version,
            deal_title=deal.title,
            contact_name=client_of(deal),
        )
        is_lead = first and stage.code == config.entry_stage.code
        self._add(task, deal.created_at if is_lead else None)

    def _open_rop_task(
        self, deal: DealDTO, config: CrmConfig, now: datetime, start: datetime
    ) -> None:
        if any(t.kind == "rop" for t in self.open_tasks):
            return
        rule = config.pipeline.rules.rop_task
        fields = _fields(deal)
        task = Task(
            id=task_id(deal.id, deal.version, None),
            deal_id=deal.id,
            stage=None,
            title=render_task_title(rule.title, fields),
            description=render_template(rule.description, fields),
            creator_id=None,  # the deal has no РОП: that is the point of this task
            kind="rop",
            responsible_id=deal.responsible_id,
            deadline=start + rule.deadline,
            opened_at=now,
            deal_version=deal.version,
            deal_title=deal.title,
            contact_name=client_of(deal),
        )
        self._add(task, None)

    def _reassign(self, deal: DealDTO) -> None:
        """A new responsible takes over the open tasks; a new РОП becomes their creator; a
        renamed deal or contact is renamed on them, in the title and description the
        templates made of it too (a person's own task is their words, and stays)."""
        contact_name = client_of(deal)
        for task in self.open_tasks:
            changed: list[str] = []
            if task.deal_title != deal.title:
                _rename(task, task.deal_title, deal.title)
                task.deal_title = deal.title
                changed.append("deal_title")
            if task.contact_name != contact_name:
                _rename(task, task.contact_name, contact_name)
                task.contact_name = contact_name
                changed.append("contact_name")
            if deal.responsible_id is not None and task.responsible_id != deal.responsible_id:
                task.responsible_id = deal.responsible_id
                changed.append("responsible_id")
            if deal.rop_id is not None and task.kind == "stage" and task.creator_id != deal.rop_id:
                task.creator_id = deal.rop_id
                changed.append("creator_id")
            if task.rop_id != deal.rop_id:
                # A stage task says it with its creator; an own task's lapse goes to rop_id.
                task.rop_id = deal.rop_id
                self._touch(task)
                if task.kind == "own":
                    changed.append("rop_id")
            if changed:
                self._touch(task)
                self.events.append(Reassigned(replace(task), tuple(changed)))

    def _add(self, task: Task, lead_created_at: datetime | None) -> None:
        self.open_tasks.append(task)
        self.new[task.id] = task
        self.events.append(Opened(replace(task), lead_created_at))

    def _close(self, task: Task, reason: CloseReason, now: datetime) -> None:
        task.close(reason, now)
        self.open_tasks.remove(task)
        self._touch(task)
        self.events.append(Closed(replace(task)))

    def _touch(self, task: Task) -> None:
        if task.id not in self.new:
            self.dirty[task.id] = task


def entered_at(change: DealChange, config: CrmConfig) -> datetime:
    """When the deal entered its current stage, as well as this event tells.

    A StageChanged says it exactly (the deal's `updated_at`). A DealUpdated that shows a new
    stage means the StageChanged is late and will be ignored; the entry stage was entered at
    creation, any other stage at the latest by this update.
    """
    deal = change.deal
    if change.is_move or deal.stage != config.entry_stage.code:
        return deal.updated_at
    return deal.created_at


def _rename(task: Task, old: str | None, new: str | None) -> None:
    """`old` (a deal title or a client, as the templates wrote it) becomes `new` in a
    template-made task's title and description, where it stands as a whole (not inside a
    longer word): so the task names the client it is about now, and an erasure, which looks
    for the current names (adapters.erasure), finds them. A name cleared leaves the text."""
    if task.kind == "own" or not old or not new:
        return
    found = re.compile(rf"(?<!\w){re.escape(old)}(?!\w)")
    task.title = found.sub(lambda _: new, task.title)
    if task.description:
        task.description = found.sub(lambda _: new, task.description)


def _fields(deal: DealDTO) -> dict[str, Any]:
    # Templates read the deal as published on the bus (SPEC §5 names, enum values as text).
    return deal.model_dump(mode="json")
