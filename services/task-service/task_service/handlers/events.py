"""Publishing what the aggregate raised, and counting it once the transaction has committed."""

from __future__ import annotations

import time
from collections.abc import Iterable

from crm_shared.contracts.task import TaskClosed, TaskOpened, TaskUpdated
from crm_shared.machinery.outbox import UnitOfWork
from task_service.adapters.metrics import TaskMetrics
from task_service.domain.planning import Closed, Opened, Reassigned, TaskEvent


def emit(uow: UnitOfWork, events: Iterable[TaskEvent]) -> None:
    """Queue the bus events in the outbox, in the order they happened."""
    for event in events:
        task = event.task
        if isinstance(event, Opened):
            uow.emit(TaskOpened(task=task.to_dto()), subject_id=task.deal_id)
        elif isinstance(event, Closed):
            uow.emit(TaskClosed(task=task.to_dto()), subject_id=task.deal_id)
        else:
            uow.emit(
                TaskUpdated(task=task.to_dto(), changed=list(event.changed)),
                subject_id=task.deal_id,
            )


def count(metrics: TaskMetrics, events: Iterable[TaskEvent]) -> None:
    """Business metrics of committed events (never of a rolled-back attempt)."""
    now = time.time()
    for event in events:
        if isinstance(event, Reassigned):
            continue
        task = event.task
        stage = task.stage or task.kind  # rop (ROP_TASK) or own (OWN_TASK)
        if isinstance(event, Opened):
            metrics.tasks_opened.labels(stage).inc()
            metrics.open_tasks.labels(stage).inc()
            if event.lead_created_at is not None:
                metrics.lead_to_task.observe(max(0.0, now - event.lead_created_at.timestamp()))
        elif isinstance(event, Closed):
            assert task.close_reason is not None
            metrics.tasks_closed.labels(task.close_reason.value).inc()
            metrics.open_tasks.labels(stage).dec()
