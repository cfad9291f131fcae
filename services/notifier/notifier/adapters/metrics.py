"""The notifier's business metrics, on the service's own registry."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

from crm_shared.machinery.metrics import Metrics

UNASSIGNED = "unassigned"
"""The `responsible_id` label of an overdue task that has no responsible manager."""


class NotifierMetrics(Metrics):
    """Shared machinery metrics plus what a sales head and ops want to see about deadlines."""

    def __init__(self) -> None:
        super().__init__("notifier")
        r = self.registry
        self.overdue_fired = Counter(
            "crm_overdue_tasks_fired", "Tasks found overdue (TaskOverdue emitted)", registry=r
        )
        # The same events split by manager, for the sales head's "overdue by manager" panel;
        # user ids come from the configuration, so the label set stays small.
        self.tasks_overdue = Counter(
            "crm_tasks_overdue",
            f"Tasks found overdue, by responsible manager ('{UNASSIGNED}' when none)",
            ["responsible_id"],
            registry=r,
        )
        # Idle deals (issue 24): by stage and responsible; both label sets come from the
        # configuration, so they stay small.
        self.deals_gone_idle = Counter(
            "crm_deals_gone_idle",
            "Deals found idle (deal_idle), by stage and responsible manager",
            ["stage", "responsible_id"],
            registry=r,
        )
        self.deals_idle = Gauge(
            "crm_deals_idle",
            "Deals idle now («засиделась»), by stage and responsible manager",
            ["stage", "responsible_id"],
            registry=r,
        )
        self.notifications = Counter(
            "crm_notifications",
            "Notifications by channel and outcome (published, delivered, retry, failed, "
            "disabled, cancelled)",
            ["channel", "outcome"],
            registry=r,
        )
        self.deadlines_watched = Gauge(
            "crm_deadlines_watched", "Open tasks whose deadline has not fired yet", registry=r
        )
        self.deliveries_pending = Gauge(
            "crm_deliveries_pending", "Webhook and e-mail deliveries not yet done", registry=r
        )
        self.deliveries_failed = Gauge(
            "crm_deliveries_failed",
            "Deliveries given up after webhook.max_attempts (crm delivery list / retry)",
            registry=r,
        )
        self.overdue_lag = Histogram(
            "crm_overdue_lag_seconds",
            "How long after its deadline a task was found overdue (fired_at - deadline)",
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 3600, 86400),
            registry=r,
        )
        self.delivery_duration = Histogram(
            "crm_delivery_attempt_seconds",
            "Duration of one webhook or e-mail delivery attempt",
            ["channel"],
            registry=r,
        )
