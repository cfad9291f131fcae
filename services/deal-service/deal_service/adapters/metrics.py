"""deal-service's business metrics, on the service's own registry."""

from __future__ import annotations

from prometheus_client import Counter

from crm_shared.metrics import Metrics


class DealMetrics(Metrics):
    """Shared machinery metrics plus what a sales head and ops want to see about deals."""

    def __init__(self) -> None:
        super().__init__("deal-service")
        r = self.registry
        self.leads_received = Counter(
            "crm_leads_received", "Leads received, by source", ["source"], registry=r
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
