"""task-service's business metrics, on the service's own registry."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

from crm_shared.machinery.metrics import Metrics

ROP_TASK = "rop"
OWN_TASK = "own"
"""The `stage` label of the free plan's РОП task (it belongs to no stage)."""
UNASSIGNED = "unassigned"
"""The `responsible_id` label of tasks without a responsible (as the notifier's)."""


class TaskMetrics(Metrics):
    """Shared machinery metrics plus what a sales head and ops want to see about tasks."""

    def __init__(self) -> None:
        super().__init__("task-service")
        r = self.registry
        self.tasks_opened = Counter(
            "crm_tasks_opened", "Tasks opened, by stage", ["stage"], registry=r
        )
        self.tasks_closed = Counter(
            "crm_tasks_closed", "Tasks closed, by reason", ["reason"], registry=r
        )
        self.open_tasks = Gauge(
            "crm_open_tasks",
            "Open tasks by stage (kept by this process, re-read from the database periodically)",
            ["stage"],
            registry=r,
        )
        self.overdue_open = Gauge(
            "crm_overdue_open_tasks",
            "Open tasks past their deadline right now, by responsible manager (re-read from "
            "the database periodically)",
            ["responsible_id"],
            registry=r,
        )
        self.lead_to_task = Histogram(
            "crm_lead_to_task_seconds",
            "From a deal's creation to its first task being opened (lead reaction latency)",
            buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
            registry=r,
        )
