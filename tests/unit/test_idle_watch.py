"""Issue 24 §3: what counts as a deal's activity, how a batch folds into one change per
deal, and the due watcher's timing (it sleeps until the nearest due time, drains a backlog
without sleeping, and wakes early only for a nearer due time)."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from crm_shared.contracts.deal import DealNoted, DealUpdated, StageChanged
from crm_shared.contracts.dto import CloseReason, Deal, Task, TaskStatus
from crm_shared.contracts.task import TaskClosed
from notifier.domain.idle import ActiveStage, Sighting, Touch, activity_of, fold
from notifier.entrypoints.watcher import DueWatcher
from tests.configs import config_with

T0 = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
ACTIVE = ActiveStage({"NEW_LEAD", "PROCESSING"})


def _deal(stage: str, version: int, at: datetime, responsible: str = "mgr-1") -> Deal:
    return Deal(
        id="d1", version=version, stage=stage, responsible_id=responsible,
        created_at=T0, updated_at=at,
    )  # fmt: skip


def _task(reason: CloseReason) -> Task:
    return Task(
        id="t1", deal_id="d1", title="Позвонить", status=TaskStatus.closed,
        close_reason=reason, opened_at=T0, closed_at=T0 + timedelta(hours=1),
    )  # fmt: skip


def test_moves_updates_notes_and_tasks_done_are_activity_a_task_closed_by_a_move_is_not() -> None:
    moved = StageChanged(
        deal_id="d1", from_stage="NEW_LEAD", to_stage="WON", version=3, actor_id="mgr-1",
        deal=_deal("WON", 3, T0),
    )  # fmt: skip
    seen = activity_of(moved, ACTIVE)
    assert isinstance(seen, Sighting) and not seen.active and seen.version == 3
    updated = DealUpdated(deal=_deal("PROCESSING", 4, T0), changed=["contact_attempts"])
    seen = activity_of(updated, ACTIVE)
    assert isinstance(seen, Sighting) and seen.active and seen.at == T0
    erased = activity_of(
        DealUpdated(deal=_deal("NEW_LEAD", 5, T0), changed=[], erased=True), ACTIVE
    )
    assert isinstance(erased, Sighting) and erased.at < T0  # new copies, no activity
    noted = DealNoted(deal_id="d1", actor_id="mgr-1", at=T0)
    assert activity_of(noted, ACTIVE) == Touch("d1", T0)
    done = activity_of(TaskClosed(task=_task(CloseReason.completed)), ACTIVE)
    assert done == Touch("d1", T0 + timedelta(hours=1))
    assert activity_of(TaskClosed(task=_task(CloseReason.stage_left)), ACTIVE) is None


def test_an_imported_move_starts_the_idle_clock_at_the_import() -> None:
    """A deal brought from Bitrix24 last moved there days ago: counted from then, it was idle
    at once, and an import told every manager of every deal it brought (found by a
    walkthrough, as the tasks born overdue were)."""
    days_ago = datetime.now(UTC) - timedelta(days=6)
    moved = StageChanged(
        deal_id="d1", from_stage="NEW_LEAD", to_stage="PROCESSING", version=2,
        actor_id=None, deal=_deal("PROCESSING", 2, days_ago), imported=True,
    )  # fmt: skip
    seen = activity_of(moved, ACTIVE)
    assert isinstance(seen, Sighting) and seen.at > datetime.now(UTC) - timedelta(minutes=1)
    ours = activity_of(moved.model_copy(update={"imported": False}), ACTIVE)
    assert isinstance(ours, Sighting) and ours.at == days_ago  # a move of ours: its moment


def test_a_batch_folds_to_the_newest_versions_fields_and_the_latest_moment() -> None:
    late_old = activity_of(
        DealUpdated(deal=_deal("NEW_LEAD", 2, T0 + timedelta(2)), changed=[]), ACTIVE
    )
    early_new = activity_of(
        StageChanged(
            deal_id="d1", from_stage="NEW_LEAD", to_stage="PROCESSING", version=5,
            actor_id="mgr-2", deal=_deal("PROCESSING", 5, T0, "mgr-2"),
        ),
        ACTIVE,
    )  # fmt: skip
    touches = [Touch("d1", T0), Touch("d1", T0 + timedelta(3)), Touch("d2", T0)]
    assert isinstance(late_old, Sighting) and isinstance(early_new, Sighting)
    seen, touched = fold([late_old, early_new, *touches])
    assert len(seen) == 1
    assert (seen[0].stage, seen[0].responsible_id, seen[0].version) == ("PROCESSING", "mgr-2", 5)
    assert seen[0].at == T0 + timedelta(2)  # the latest activity, whichever event brought it
    assert touched == [Touch("d1", T0 + timedelta(3)), Touch("d2", T0)]


class _Table:
    """A due-ordered table's stand-in: due times, and a clock the test sets."""

    def __init__(self) -> None:
        self.now = T0
        self.due: list[datetime] = []
        self.fired: list[datetime] = []

    async def fire(self, limit: int) -> int:
        ready = sorted(d for d in self.due if d <= self.now)[:limit]
        for d in ready:
            self.due.remove(d)
        self.fired += ready
        return len(ready)

    async def nearest(self) -> tuple[datetime | None, datetime]:
        return (min(self.due) if self.due else None), self.now


async def test_the_watcher_sleeps_until_the_nearest_due_time_and_drains_a_backlog() -> None:
    table = _Table()
    watcher = DueWatcher("test", table.fire, table.nearest, batch=2, max_sleep=5.0)
    assert await watcher._round() == 5.0  # nothing watched: the capped sleep
    table.due = [T0 + timedelta(seconds=1.5), T0 + timedelta(hours=1)]
    assert abs(await watcher._round() - 1.502) < 1e-6  # until the nearest, a hair after
    table.now = T0 + timedelta(seconds=2)
    table.due += [T0, T0 + timedelta(seconds=1)]  # three due at once, batch 2: drain at once
    assert await watcher._round() == 0.0
    assert table.fired == [T0, T0 + timedelta(seconds=1)]
    assert await watcher._round() == 5.0  # the last due one, then the far one is capped
    assert table.fired[-1] == T0 + timedelta(seconds=1.5) and len(table.due) == 1


async def test_only_a_nearer_due_time_wakes_the_watcher() -> None:
    table = _Table()
    table.due = [T0 + timedelta(minutes=1)]
    watcher = DueWatcher("test", table.fire, table.nearest, batch=10, max_sleep=60.0)
    await watcher._round()
    woken: list[bool] = []
    watcher._loop.wake = lambda: woken.append(True)  # type: ignore[method-assign]
    watcher.due_added(T0 + timedelta(minutes=5))
    assert woken == []
    watcher.due_added(T0 + timedelta(seconds=10))
    assert woken == [True]
    await asyncio.sleep(0)


async def test_the_digest_goes_out_once_a_day_at_the_local_hour(monkeypatch: Any) -> None:
    from notifier.entrypoints import digest

    sent: list[date] = []

    async def send(ctx: Any, day: date) -> int:
        sent.append(day)
        return 1

    monkeypatch.setattr(digest, "send_digest", send)
    ctx = SimpleNamespace(config=config_with())  # the team in Moscow
    loop = digest.IdleDigest(ctx, time(9, 0))  # type: ignore[arg-type]
    clock = [datetime(2026, 12, 6, 5, 0, tzinfo=UTC)]  # 08:00 in Moscow
    monkeypatch.setattr(digest, "datetime", _Clock(clock))
    loop._next = datetime(2026, 12, 6, 6, 0, tzinfo=UTC)  # 09:00 in Moscow
    assert await loop._round() == digest.MAX_SLEEP  # an hour to go: a capped sleep
    clock[0] = datetime(2026, 12, 6, 5, 55, tzinfo=UTC)
    assert await loop._round() == pytest.approx(300.01)  # then until 09:00 itself
    assert sent == []
    clock[0] = datetime(2026, 12, 6, 6, 0, 1, tzinfo=UTC)
    assert await loop._round() == digest.MAX_SLEEP  # sent; the next is tomorrow
    assert sent == [date(2026, 12, 6)]
    assert loop._next == datetime(2026, 12, 7, 6, 0, tzinfo=UTC)
    await loop._round()
    assert sent == [date(2026, 12, 6)]  # not again today


class _Clock:
    """`datetime` with `now` read from a list the test moves."""

    def __init__(self, clock: list[datetime]) -> None:
        self._clock = clock

    def now(self, tz: Any = None) -> datetime:
        return self._clock[0]
