"""task-service's task commands on fakes: its tasks and deals' РОПs in memory (see `fakes`)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from crm_shared.config import CrmConfig, load_config
from crm_shared.contracts.dto import TaskComment
from task_service.adapters.metrics import TaskMetrics
from task_service.domain.model import Task
from task_service.handlers import tasks as handlers
from task_service.handlers.context import Context
from tests.unit.fakes import FakeUnitOfWork, Stored, UnitsOfWork

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def a_task(**given: Any) -> Task:
    """An open stage task t-1 of deal d-1, due an hour after T0; `given` replaces any field."""
    fields: dict[str, Any] = {
        "id": "t-1",
        "deal_id": "d-1",
        "stage": "PROCESSING",
        "title": "Позвонить",
        "description": "",
        "creator_id": None,
        "responsible_id": "mgr-1",
        "deadline": T0 + timedelta(hours=1),
        "opened_at": T0,
        "deal_version": 2,
    }
    return Task(**(fields | given))


class FakeTasks:
    """The reads and writes of `adapters.repository` that the task commands use."""

    def __init__(self) -> None:
        self.tasks = Stored()
        self.rops: dict[str, str] = {}  # deal id -> its РОП
        self.owners: dict[str, str] = {}  # deal id -> its responsible

    async def get_task(self, conn: FakeUnitOfWork, task_id: str, *, lock: bool = False) -> Task:
        return self.tasks.read(task_id)

    async def deal_rop(self, conn: FakeUnitOfWork, deal_id: str) -> str | None:
        return self.rops.get(deal_id)

    async def deal_people(
        self, conn: FakeUnitOfWork, deal_id: str
    ) -> tuple[str | None, str | None]:
        return self.owners.get(deal_id), self.rops.get(deal_id)

    async def update_tasks(self, conn: FakeUnitOfWork, tasks: Iterable[Task]) -> None:
        for task in tasks:
            self.tasks.write(conn, task.id, task)

    async def add_comment(self, conn: FakeUnitOfWork, task_id: str, comment: TaskComment) -> None:
        kept = self.tasks.rows[task_id]
        conn.on_commit.append(lambda: kept.comments.append(comment))

    def put(self, task_id: str = "t-1", *, responsible: str = "mgr-1", rop: str = "rop-1") -> Task:
        """An open stage task of deal d-1, its responsible and the deal's РОП as given."""
        task = a_task(id=task_id, responsible_id=responsible)
        self.tasks.rows[task_id] = task
        self.rops["d-1"] = rop
        self.owners["d-1"] = responsible
        return task


class TaskWorld:
    """A task-service context on fakes: `ctx` for the handlers, `store`, `uows` and `bus`."""

    def __init__(self, config: CrmConfig) -> None:
        self.store = FakeTasks()
        self.uows = UnitsOfWork()
        self.bus = self.uows.bus
        self.ctx = Context(config=config, uow=self.uows, metrics=TaskMetrics())  # type: ignore[arg-type]


@pytest.fixture
def tasks(monkeypatch: pytest.MonkeyPatch) -> Iterator[TaskWorld]:
    """task-service's task commands on fakes, the default configuration."""
    made = TaskWorld(load_config())
    monkeypatch.setattr(handlers, "repo", made.store)
    yield made
