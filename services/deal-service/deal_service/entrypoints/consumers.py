"""Event consumers of deal-service: leads from `crm.lead.received`."""

from __future__ import annotations

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from crm_shared.contracts.deal import LeadReceived
from crm_shared.machinery.consumer import BatchConsumer, Item
from crm_shared.machinery.parsing import parse_event
from deal_service.handlers.context import Context
from deal_service.handlers.leads import CONSUMER, receive_leads

SERVICE = "deal-service"
STREAM = "CRM_LEADS"


def parse_lead(msg: Msg) -> tuple[str, LeadReceived]:
    """A lead in a CloudEvents envelope, or bare (see `parse_event`)."""
    return parse_event(msg, LeadReceived, allow_bare=True)


def lead_consumer(
    nc: Client, js: JetStreamContext, ctx: Context, batch_size: int
) -> BatchConsumer[LeadReceived]:
    """The durable consumer of leads; replicas share it."""

    async def handle(items: list[Item[LeadReceived]]) -> None:
        await receive_leads(items, ctx)

    return BatchConsumer(
        nc,
        js,
        service=SERVICE,
        stream=STREAM,
        durable=CONSUMER,
        subject=LeadReceived.SUBJECT,
        parse=parse_lead,
        handle=handle,
        metrics=ctx.metrics,
        batch_size=batch_size,
    )
