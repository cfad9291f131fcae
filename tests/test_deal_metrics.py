"""deal-service's metrics keep a bounded label set, whatever the leads say."""

from __future__ import annotations

from typing import Any

from tests.configs import config_with
from tests.services import running
from tests.support import Client, eventually


async def test_lead_source_label_is_a_configured_name_or_other(clean: Any, client: Client) -> None:
    def sources(data: dict[str, Any]) -> None:
        data["lead_sources"] = ["site", "avito"]

    async with running(clean, "deal-service", config=config_with(change=sources)) as [deals]:
        leads = [
            await client.publish_lead(source=source)
            for source in ("site", "avito", "site", "Партнёр №7", "x" * 100, "unknown/api")
        ]
        for external_id in leads:
            await eventually(lambda ext=external_id: client.deal_by_external(ext))
        registry = deals.runtime.metrics.registry
        counted = {
            sample.labels["source"]: sample.value
            for metric in registry.collect()
            if metric.name == "crm_leads_received"
            for sample in metric.samples
            if sample.name == "crm_leads_received_total"
        }
    assert counted == {"site": 2.0, "avito": 1.0, "other": 3.0}
