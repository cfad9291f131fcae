"""The event API as an AsyncAPI document, generated from the contracts in this package.

`faststream docs gen --factory crm_shared.asyncapi:build_app --yaml` (or `make asyncapi`)
writes it; a test fails when the committed `docs/asyncapi.yaml` is stale. The document is
built from a broker that only describes: the services consume events with their own batching
consumer (see consumer.py), so their runtime brokers carry only the request/reply handlers.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml
from faststream import FastStream
from faststream.nats import NatsBroker
from faststream.specification import AsyncAPI
from pydantic import BaseModel, create_model

from crm_shared import commands as c
from crm_shared import delivery_commands as dc
from crm_shared import events as e
from crm_shared.envelope import CloudEvent

VERSION = "1.0.0"

INBOUND_EVENTS: list[tuple[type[e.EventData], str]] = [
    (
        e.LeadReceived,
        "Any source system publishes leads here (JetStream stream CRM_LEADS). "
        "A CloudEvents envelope is preferred; a bare lead object is accepted too. "
        "The same (source, external_id) twice makes one deal. Bad input goes to "
        "crm.dlq.deal-service with the reason.",
    ),
]
OUTBOUND_EVENTS: list[tuple[type[e.EventData], str, str]] = [
    (e.DealCreated, "deal-service", "A deal was created."),
    (e.DealUpdated, "deal-service", "Deal fields changed."),
    (e.StageChanged, "deal-service", "A deal entered a stage (from_stage null on creation)."),
    (e.MoveRejected, "deal-service", "A move was refused; the deal did not change."),
    (e.TaskOpened, "task-service", "A task was opened."),
    (e.TaskUpdated, "task-service", "An open task changed hands."),
    (e.TaskClosed, "task-service", "A task was closed (completed, stage_left, ...)."),
    (e.TaskCommented, "task-service", "Someone commented on a task."),
    (e.TaskOverdue, "notifier", "An open task passed its deadline (once per task)."),
    (e.Notification, "notifier", "A notification for one user: crm.notify.<user_id>."),
]
REQUESTS: list[tuple[type[c.Strict], str, str]] = [
    (c.CreateDeal, "deal-service", "deal"),
    (c.UpdateDeal, "deal-service", "deal, changed"),
    (c.MoveDeal, "deal-service", "deal"),
    (c.LogContactAttempt, "deal-service", "deal"),
    (c.GetDeal, "deal-service", "deal"),
    (c.ListDeals, "deal-service", "items, next_cursor"),
    (c.DealHistory, "deal-service", "deal_id, items [{from_stage, to_stage, actor_id, at}]"),
    (c.StageTotals, "deal-service", "items [{stage, count, sums {currency: amount}}]"),
    (c.FunnelQuery, "deal-service", "report"),
    (c.PeriodQuery, "deal-service", "report"),
    (c.CompleteTask, "task-service", "task"),
    (c.CommentTask, "task-service", "task"),
    (c.ListTasks, "task-service", "items, next_cursor"),
    (c.OverdueTasksQuery, "task-service", "items, total"),
    (dc.ListDeliveries, "notifier", "items, total"),
    (dc.RetryDeliveries, "notifier", "retried, not_retried"),
    (c.ListNotifications, "notifier", "items, unread, next_cursor"),
    (c.ReadNotifications, "notifier", "count"),
]
REPLY_NOTE = (
    ' Request/reply (core NATS). Reply: {"ok": true, %s} or {"ok": false, "error": {"code", '
    '"message", "missing_fields"?}}; codes: '
    + ", ".join(code.value for code in c.ErrorCode)  # from the code, never a copy of it
    + "."
)


def envelope_of(model: type[e.EventData]) -> type[BaseModel]:
    """The CloudEvent whose `data` is `model`, as a schema."""
    return create_model(
        f"{model.__name__}Event", __base__=CloudEvent, data=(model, ...), __doc__=model.__doc__
    )


def _describe(
    broker: NatsBroker, subject: str, model: type[BaseModel], title: str, doc: str
) -> None:
    async def handler(body: Any) -> None:
        """Described, never run."""

    handler.__annotations__ = {"body": model, "return": None}
    broker.subscriber(subject, title=title, description=doc)(handler)


def build_docs() -> AsyncAPI:
    """The AsyncAPI specification of the whole event API."""
    broker = NatsBroker("nats://localhost:4222", description="NATS with JetStream")
    for model, doc in INBOUND_EVENTS:
        _describe(broker, model.SUBJECT, envelope_of(model), f"{model.SUBJECT}:in", doc)
    for req, service, reply in REQUESTS:
        doc = f"{req.__doc__} Served by {service}." + REPLY_NOTE % reply
        _describe(broker, req.SUBJECT, req, f"{req.SUBJECT}:request", doc)
    for model, service, doc in OUTBOUND_EVENTS:
        subject = model.SUBJECT + (".{user_id}" if model is e.Notification else "")
        broker.publisher(
            subject,
            schema=envelope_of(model),
            title=f"{subject}:out",
            description=f"{doc} Emitted by {service} (JetStream).",
        )
    return AsyncAPI(
        broker,
        title="Sales-funnel CRM event API",
        version=VERSION,
        description="Events, commands and queries of the CRM (see README.md).",
        schema_version="3.0.0",
    )


def build_app() -> FastStream:
    """A FastStream application carrying the specification, for `faststream docs gen`."""
    spec = build_docs()
    return FastStream(spec.brokers[0], specification=spec)


def render() -> str:
    """The document as YAML text, keys sorted (FastStream's channel order varies per run)."""
    data = yaml.safe_load(build_docs().to_specification().to_yaml())
    return yaml.safe_dump(data, sort_keys=True, allow_unicode=True, width=100)


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/asyncapi.yaml")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(), encoding="utf-8")
    print(f"wrote {out}")
