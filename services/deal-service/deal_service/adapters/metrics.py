"""deal-service's business metrics, on the service's own registry."""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import Counter, Gauge

from crm_shared.config import DEFAULT_LEAD_SOURCES
from crm_shared.machinery.metrics import Metrics

OTHER_SOURCE = "other"
"""The `source` label of every lead whose source is not listed in `lead_sources`."""


class LeadsBySource:
    """`crm_leads_received_total{source}` with a bounded label set.

    A lead's `source` is free text from whoever publishes it: as a label, every new value
    would be a new time series, for ever. The sources the configuration lists keep their
    name; every other one is counted as `other`.
    """

    def __init__(self, counter: Counter, known: Iterable[str]) -> None:
        self._counter = counter
        self._known = frozenset(known)

    def label(self, source: str) -> str:
        """The label value for a lead's `source`."""
        return source if source in self._known else OTHER_SOURCE

    def labels(self, source: str) -> Counter:
        """The counter of this source's label (the `Counter.labels` that callers know)."""
        return self._counter.labels(self.label(source))


class DealMetrics(Metrics):
    """Shared machinery metrics plus what a sales head and ops want to see about deals."""

    def __init__(self, lead_sources: Iterable[str] = DEFAULT_LEAD_SOURCES) -> None:
        super().__init__("deal-service")
        r = self.registry
        self.leads_received = LeadsBySource(
            Counter(
                "crm_leads_received",
                f"Leads received, by source (as configured in lead_sources, else '{OTHER_SOURCE}')",
                ["source"],
                registry=r,
            ),
            lead_sources,
        )
        self.deals_created = Counter("crm_deals_created", "Deals created", ["origin"], registry=r)
        self.stage_transitions = Counter(
            "crm_stage_transitions", "Stage moves", ["from_stage", "to_stage"], registry=r
        )
        self.moves_refused = Counter(
            "crm_moves_refused", "Moves refused, by reason", ["reason"], registry=r
        )
        self.deals_won = Counter("crm_deals_won", "Deals won", registry=r)
        self.won_amount = Counter("crm_won_amount", "Sum of won deals", ["currency"], registry=r)
        # The same sums side by side per manager (user ids come from the configuration, so
        # the label set stays small): the sales head's "sales in the period by manager".
        self.won_amount_by_responsible = Counter(
            "crm_won_amount_by_responsible",
            "Sum of won deals, by responsible manager and currency",
            ["responsible_id", "currency"],
            registry=r,
        )
        # The sales head's dashboard shows people and stages by their names: these series
        # (always 1) carry them, set from the configuration at start, for PromQL to join on.
        self.person_info = Gauge(
            "crm_person_info", "A configured user's name and role (1)",
            ["responsible_id", "name", "role"], registry=r,
        )  # fmt: skip
        self.stage_info = Gauge(
            "crm_stage_info", "A stage's display name (1)", ["stage", "name"], registry=r
        )
        self.approvals_waiting = Gauge(
            "crm_approvals_waiting", "Moves waiting for the sales head's approval", registry=r
        )
