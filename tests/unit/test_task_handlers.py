"""task-service's task commands decided on fakes: who may complete or comment, what is saved
and emitted. The same commands on real servers: tests/e2e/test_tasks*."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from crm_shared.contracts.dto import CloseReason, TaskStatus
from crm_shared.contracts.refusals import ErrorCode, Refused
from crm_shared.contracts.task import (
    CommentTask,
    CompleteTask,
    TaskClosed,
    TaskCommented,
    TaskTimeline,
)
from task_service.domain.story import task_story
from task_service.handlers.tasks import comment_task, complete_task
from tests.unit.task_fakes import TaskWorld


@pytest.mark.parametrize("actor", ["mgr-1", "rop-1"])
async def test_the_responsible_or_the_deals_rop_completes_a_task(
    tasks: TaskWorld, actor: str
) -> None:
    tasks.store.put()
    reply = await complete_task(CompleteTask(actor_id=actor, task_id="t-1"), tasks.ctx)
    assert reply["task"]["status"] == "closed" and reply["task"]["close_reason"] == "completed"
    kept = tasks.store.tasks.rows["t-1"]
    assert (kept.status, kept.close_reason) == (TaskStatus.closed, CloseReason.completed)
    (closed,) = tasks.bus.events(TaskClosed)
    assert closed.task.id == "t-1"  # type: ignore[attr-defined]
    # who completed it is kept, sent and named in the deal's story (it was no one)
    assert kept.closed_by == actor == reply["task"]["closed_by"]
    assert closed.task.closed_by == actor  # type: ignore[attr-defined]
    (entry,) = [e for e in task_story([kept]) if e["kind"] == "task_closed"]
    assert entry["actor_id"] == actor


@pytest.mark.parametrize(
    ("actor", "code"),
    [("mgr-2", ErrorCode.forbidden), ("ghost", ErrorCode.not_found)],
)
async def test_anyone_else_is_refused_and_nothing_changes(
    tasks: TaskWorld, actor: str, code: ErrorCode
) -> None:
    tasks.store.put()
    with pytest.raises(Refused) as refused:
        await complete_task(CompleteTask(actor_id=actor, task_id="t-1"), tasks.ctx)
    assert refused.value.error.code is code
    assert tasks.store.tasks.rows["t-1"].status is TaskStatus.open
    assert tasks.bus.published == []


async def test_a_task_is_completed_once(tasks: TaskWorld) -> None:
    tasks.store.put()
    await complete_task(CompleteTask(actor_id="mgr-1", task_id="t-1"), tasks.ctx)
    with pytest.raises(Refused) as refused:
        await complete_task(CompleteTask(actor_id="mgr-1", task_id="t-1"), tasks.ctx)
    assert refused.value.error.code is ErrorCode.transition_not_allowed
    assert len(tasks.bus.events(TaskClosed)) == 1


async def test_an_unknown_task_is_not_found(tasks: TaskWorld) -> None:
    with pytest.raises(Refused) as refused:
        await complete_task(CompleteTask(actor_id="mgr-1", task_id="t-x"), tasks.ctx)
    assert refused.value.error.code is ErrorCode.not_found


async def test_a_comment_is_kept_and_published(tasks: TaskWorld) -> None:
    tasks.store.put()
    cmd = CommentTask(actor_id="rop-1", task_id="t-1", text="  Почему просрочена?  ")
    reply = await comment_task(cmd, tasks.ctx)
    assert reply["task"]["comments_count"] == 1
    assert [c.text for c in tasks.store.tasks.rows["t-1"].comments] == ["Почему просрочена?"]
    (commented,) = tasks.bus.events(TaskCommented)
    assert commented.comment.author_id == "rop-1"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("actor", "text", "code"),
    [
        ("mgr-2", "Моя?", ErrorCode.forbidden),  # a manager sees only their own tasks
        ("mgr-1", "   ", ErrorCode.invalid),
    ],
)
async def test_a_comment_refused_keeps_nothing(
    tasks: TaskWorld, actor: str, text: str, code: ErrorCode
) -> None:
    tasks.store.put()
    with pytest.raises(Refused) as refused:
        await comment_task(CommentTask(actor_id=actor, task_id="t-1", text=text), tasks.ctx)
    assert refused.value.error.code is code
    assert tasks.store.tasks.rows["t-1"].comments == [] and tasks.bus.published == []


async def test_a_deal_made_between_the_story_reads_is_its_managers(
    tasks: TaskWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The card opens the moment a deal is made, while task-service commits its DealCreated:
    whichever read of the story runs first, the deal's state and first task are committed
    right after it (each read sees what was committed when it ran). The deal's own manager
    gets its story, never «another manager's deal» (a run of the whole suite saw that)."""
    from task_service.handlers import story

    committed: list[bool] = []

    def read(name: str) -> Callable[[object, str], Awaitable[object]]:
        async def reads(conn: object, deal_id: str) -> object:
            seen = (
                tasks.store.owners.get(deal_id)
                if name == "deal_responsible"
                else [t for t in tasks.store.tasks.rows.values() if t.deal_id == deal_id]
            )
            if not committed:  # the DealCreated's batch commits now
                committed.append(True)
                tasks.store.put()
            return seen

        return reads

    for name in ("deal_responsible", "deal_tasks"):
        monkeypatch.setattr(story.deals, name, read(name))
    reply = await story.task_timeline(TaskTimeline(actor_id="mgr-1", deal_id="d-1"), tasks.ctx)
    assert reply["deal_id"] == "d-1"
    with pytest.raises(Refused) as refused:  # and another manager is still refused
        await story.task_timeline(TaskTimeline(actor_id="mgr-2", deal_id="d-1"), tasks.ctx)
    assert refused.value.error.code is ErrorCode.forbidden
