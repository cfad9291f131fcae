"""Event consumers of task-service: the deal events it applies, StageChanged and DealUpdated.

One durable consumer for both subjects, dispatched on the subject, so that the moves and the
updates of one deal arrive in one ordered stream (two consumers would race each other). The
consumer filters on the two subjects, so the server does not deliver the rest of
`crm.deal.>` (a DealCreated per lead, refused moves) only to be acked unread.
"""

from __future__ import annotations

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from crm_shared.contracts.deal import DealUpdated, StageChanged
from crm_shared.machinery.consumer import BatchConsumer, Invalid, Item
from crm_shared.machinery.parsing import parse_event
from task_service.handlers.context import Context
from task_service.handlers.deal_events import CONSUMER, DealEvent, apply_deal_events

SERVICE = "task-service"
SUBJECT = "crm.deal.>"
STREAM = "CRM_EVENTS"
# What it consumes, by subject: the parser, the consumer's filter and the document read it.
DEAL_EVENTS: dict[str, type[StageChanged] | type[DealUpdated]] = {
    StageChanged.SUBJECT: StageChanged,
    DealUpdated.SUBJECT: DealUpdated,
}


def parse_deal_event(msg: Msg) -> tuple[str, DealEvent]:
    """A StageChanged or DealUpdated, by its subject (the consumer's filter lets no other in)."""
    model = DEAL_EVENTS.get(msg.subject)
    if model is None:
        raise Invalid(f"task-service applies no {msg.subject}")
    return parse_event(msg, model)


def deal_event_consumer(
    nc: Client, js: JetStreamContext, ctx: Context, batch_size: int
) -> BatchConsumer[DealEvent]:
    """The durable consumer of deal events; replicas share it."""

    async def handle(items: list[Item[DealEvent]]) -> None:
        await apply_deal_events(items, ctx)

    return BatchConsumer(
        nc,
        js,
        service=SERVICE,
        stream=STREAM,
        durable=CONSUMER,
        subject=SUBJECT,
        parse=parse_deal_event,
        handle=handle,
        metrics=ctx.metrics,
        batch_size=batch_size,
        filter_subjects=sorted(DEAL_EVENTS),
    )
