"""What the live feed no longer replays: the events of a deal from before its contact was
erased (a walkthrough: after `crm contact erase`, a manager who asked /api/events or
/board/live to replay from the start got the person's name, phone and e-mail back, from the
deal snapshots the stream still holds).

Live events need no check (an erased deal's events after the erasure carry «[удалено]»); a
replay does. The erasures are read from the stream itself (crm.deal.contact_erased, rare):
counted with one stream-info request at each replay, read again only when there are more,
so a gateway started after an erasure knows it as well as one that saw it live.
"""

from __future__ import annotations

import json

from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, DeliverPolicy

from crm_shared.contracts.deal import ContactErased
from gateway.adapters.feed_events import FeedEvent


def deal_of(event: FeedEvent) -> str | None:
    """The deal an event is about (a deal's own event, a task's, a note's); None for one
    that says an erasure (`erased`: it holds the erased values, and goes out just before
    the erasure's own record)."""
    data = event.data  # parsed once, for this and for whose the event is
    if data.get("erased") is True:
        return None
    deal = data.get("deal") or {}
    task = data.get("task") or {}
    found = deal.get("id") or data.get("deal_id") or task.get("deal_id")
    return found if isinstance(found, str) else None


class Erasures:
    """The stream sequence of each erased deal's erasure (the latest, if erased twice)."""

    def __init__(self, js: JetStreamContext, stream: str) -> None:
        self.js = js
        self.stream = stream
        self.at: dict[str, int] = {}
        self._read = 0  # how many erasures the stream held when last read

    async def refresh(self) -> None:
        """Read the stream's erasures if it holds more than were read."""
        info = await self.js.stream_info(self.stream, subjects_filter=ContactErased.SUBJECT)
        count = int((info.state.subjects or {}).get(ContactErased.SUBJECT, 0))
        if count <= self._read:
            return
        # As the feed's own reads (`filter_subjects`): the consumer is created on the subject
        # the gateway's NATS user may use (deploy/nats/accounts.conf).
        config = ConsumerConfig(
            filter_subjects=[ContactErased.SUBJECT], deliver_policy=DeliverPolicy.ALL
        )
        sub = await self.js.subscribe("", stream=self.stream, config=config, ordered_consumer=True)
        try:
            for _ in range(count):
                msg = await sub.next_msg(timeout=5)
                seq = int(msg.metadata.sequence.stream)
                for deal_id in json.loads(msg.data).get("data", {}).get("deal_ids", []):
                    self.at[deal_id] = max(self.at.get(deal_id, 0), seq)
        finally:
            await sub.unsubscribe()
        self._read = count

    def hides(self, event: FeedEvent) -> bool:
        """Whether a replayed event is about a deal erased after it was published."""
        if not self.at:
            return False
        erased_at = self.at.get(deal_of(event) or "")
        return erased_at is not None and event.seq < erased_at
