"""The gateway on the bus: typed requests to the services, leads into JetStream."""

from __future__ import annotations

import json
import logging
import uuid
from datetime import UTC, datetime
from typing import NamedTuple

from nats.aio.client import Client as NatsClient

from crm_shared.contracts.deal import LeadReceived
from crm_shared.contracts.envelope import SPECVERSION, json_bytes
from crm_shared.machinery import asking
from crm_shared.machinery.acks import Acks

log = logging.getLogger(__name__)


class Stored(NamedTuple):
    """JetStream's word on a lead: its sequence in CRM_LEADS, and whether the stream already
    held it (the same source and external_id within its duplicate window: no second copy)."""

    sequence: int
    duplicate: bool


class Bus(asking.Bus):
    """Typed requests to the services (`ask`, crm_shared.machinery.asking) and publishing
    leads, on the gateway's connection."""

    def __init__(self, nc: NatsClient, timeout: float) -> None:
        super().__init__(nc, timeout=timeout)
        self.acks = Acks(nc, timeout)

    async def publish_lead(self, lead: LeadReceived, *, origin: str) -> Stored:
        """Publish a lead and wait for JetStream's acknowledgement: its stream sequence, and
        whether it was a duplicate.

        The message id is the lead's (source, external_id), so a retry of the same lead
        within the stream's duplicate window is dropped by JetStream itself, and any later
        one by deal-service, which keys leads on the same pair. The ack comes as the relay's
        do (`machinery.acks`: less CPU than `js.publish`, the same errors).
        """
        msg_id = f"lead:{lead.source}:{lead.external_id}"
        sent = self.acks.send([(msg_id, LeadReceived.SUBJECT, lead_event(lead, msg_id, origin))])
        [ack] = await self.acks.results(sent)
        if isinstance(ack, BaseException):
            raise ack
        return Stored(int(ack["seq"]), bool(ack.get("duplicate")))


def lead_event(lead: LeadReceived, msg_id: str, origin: str) -> bytes:
    """The lead in its CloudEvents envelope (the same JSON `CloudEvent` makes, built
    directly: the envelope model costs more than the rest of an HTTP lead's handling).

    The event id is derived from the message id, so a retried lead is the same event to
    the consumers' inboxes too, even after the stream's duplicate window.
    """
    head = {
        "specversion": SPECVERSION,
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, msg_id)),
        "source": f"crm/gateway/{origin}",
        "type": LeadReceived.TYPE,
        "time": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "datacontenttype": "application/json",
    }
    text = json.dumps(head, ensure_ascii=False, separators=(",", ":"))
    return b"".join((f'{text[:-1]},"data":'.encode(), json_bytes(lead), b"}"))
