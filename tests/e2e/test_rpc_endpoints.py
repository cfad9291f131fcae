"""The request/reply machinery on FastStream (`machinery.rpc`): what every subject shares."""

from __future__ import annotations

from typing import Any

from crm_shared.machinery.asyncapi import document
from crm_shared.machinery.rpc import Endpoints
from tests.services import running
from tests.support import Client


async def test_every_answer_is_counted_by_subject_and_outcome(clean: Any, client: Client) -> None:
    async with running(clean, "deal-service") as [deals]:
        first = await client.cmd("deal.create", actor_id="mgr-1", request_id="r-1")
        again = await client.cmd("deal.create", actor_id="mgr-1", request_id="r-1")
        assert first["ok"] and again == first
        assert (await client.request("crm.cmd.deal.move", b"\xff"))["error"]["code"] == "invalid"
        missing = await client.cmd("deal.move", actor_id="mgr-1", deal_id="d-0", to_stage="WON")
        assert missing["error"]["code"] == "not_found"
        registry = deals.runtime.metrics.registry
        counted = {
            (sample.labels["subject"], sample.labels["outcome"]): sample.value
            for metric in registry.collect()
            if metric.name == "crm_commands"
            for sample in metric.samples
            if sample.name == "crm_commands_total"
        }
    assert counted == {
        ("crm.cmd.deal.create", "ok"): 1.0,
        ("crm.cmd.deal.create", "repeated"): 1.0,
        ("crm.cmd.deal.move", "invalid"): 1.0,
        ("crm.cmd.deal.move", "not_found"): 1.0,
    }


def test_each_service_serves_its_subjects_in_its_own_queue_group() -> None:
    from deal_service.entrypoints.rpc import endpoints as deal
    from notifier.entrypoints.rpc import endpoints as notifier
    from task_service.entrypoints.rpc import endpoints as task

    apis: list[Endpoints[Any]] = [deal(), task(), notifier()]
    for api in apis:
        doc = document([api.router], []).to_specification().to_jsonable()
        queues = {
            channel["address"]: channel["bindings"]["nats"].get("queue")
            for channel in doc["channels"].values()
            if channel["address"].startswith(("crm.cmd.", "crm.query."))
        }
        assert queues == dict.fromkeys(api.subjects, api.service)
    everything = [subject for api in apis for subject in api.subjects]
    assert len(everything) == len(set(everything))
