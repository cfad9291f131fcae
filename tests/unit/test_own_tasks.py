"""A person's own tasks (issue 22): who may set one, who may move a deadline, and how the
tasks' story reads, without servers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crm_shared.contracts.dto import CloseReason
from crm_shared.contracts.refusals import Refused
from task_service.domain.model import DealState, Task
from task_service.domain.own import own_task, reschedule
from task_service.domain.story import task_story

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
STATE = DealState("d-1", version=3, stage="PROCESSING", responsible_id="mgr-1", rop_id="rop-1")


def _own(actor: str = "mgr-1", **kw: object) -> Task:
    args = {"is_rop": False, "sees_all": False, "title": "Перезвонить", "description": None}
    args.update(kw)
    return own_task(STATE, actor_id=actor, deadline=NOW + timedelta(hours=1), now=NOW, **args)  # type: ignore[arg-type]


def test_a_manager_sets_tasks_on_the_deals_they_work_the_rop_on_any() -> None:
    mine = _own()
    assert (mine.kind, mine.creator_id, mine.responsible_id, mine.rop_id) == (
        "own",
        "mgr-1",
        "mgr-1",
        "rop-1",
    )
    with pytest.raises(Refused) as refused:
        _own("mgr-2")
    assert refused.value.error.code == "forbidden"
    by_rop = _own("rop-1", is_rop=True)
    assert by_rop.creator_id == "rop-1" and by_rop.responsible_id == "mgr-1"
    with pytest.raises(Refused):
        own_task(DealState("d-2"), actor_id="rop-1", is_rop=True, sees_all=True, title="x",
                 deadline=NOW, description=None, now=NOW)  # fmt: skip


def test_who_moves_a_deadline_and_the_story_of_the_move() -> None:
    task = _own()
    later = NOW + timedelta(days=1)
    with pytest.raises(Refused) as refused:
        reschedule(task, actor_id="mgr-2", is_rop=False, deadline=later, reason="x", now=NOW)
    assert refused.value.error.code == "forbidden"
    with pytest.raises(Refused) as past:
        reschedule(task, actor_id="mgr-1", is_rop=False, deadline=NOW - timedelta(hours=1),
                   reason="x", now=NOW)  # fmt: skip
    assert past.value.error.code == "invalid"
    moved_at = NOW + timedelta(hours=1)
    reschedule(
        task, actor_id="mgr-1", is_rop=False, deadline=later, reason="в отпуске", now=moved_at
    )
    stage = _own()
    stage.kind = "stage"
    with pytest.raises(Refused):
        reschedule(stage, actor_id="mgr-1", is_rop=False, deadline=later, reason="x", now=NOW)
    reschedule(stage, actor_id="rop-1", is_rop=True, deadline=later, reason="ок", now=NOW)

    rop_task = _own()
    rop_task.kind = "rop"  # the free plan's «Укажите РОПа»: the РОП's too
    with pytest.raises(Refused):
        reschedule(rop_task, actor_id="mgr-1", is_rop=False, deadline=later, reason="x", now=NOW)

    task.close(CloseReason.completed, NOW + timedelta(hours=2))
    kinds = [(e["kind"], e.get("reason")) for e in task_story([task])]
    assert kinds == [
        ("task_closed", None),
        ("task_opened", None),
        ("task_rescheduled", "в отпуске"),
    ] or kinds[0] == ("task_closed", None)


def test_the_responsible_moves_an_own_task_whoever_set_it() -> None:
    """A deal given to another manager takes its tasks along: Мария (mgr-2) had no «Перенести
    срок» on the «Перезвонить клиенту» Иван (mgr-1) set, only its setter might move it. Now
    the task's responsible does, and Иван, whose deal it no longer is, does not."""
    later = NOW + timedelta(days=1)
    inherited = _own()
    inherited.responsible_id = "mgr-2"  # as DealTasks._reassign leaves it
    with pytest.raises(Refused) as refused:
        reschedule(inherited, actor_id="mgr-1", is_rop=False, deadline=later, reason="x",
                   now=NOW)  # fmt: skip
    assert refused.value.error.code == "forbidden"
    reschedule(inherited, actor_id="mgr-2", is_rop=False, deadline=later, reason="завтра", now=NOW)
    assert inherited.deadline == later and inherited.reschedules[-1].actor_id == "mgr-2"
    # one the РОП set for the manager is the manager's to move too, with the reason shown
    by_rop = _own("rop-1", is_rop=True)
    reschedule(by_rop, actor_id="mgr-1", is_rop=False, deadline=later, reason="в пути", now=NOW)
    assert by_rop.deadline == later
