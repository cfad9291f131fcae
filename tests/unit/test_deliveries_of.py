"""`deliveries_of` reads the delivery count from the ack subject as nats-py's metadata does."""

from __future__ import annotations

import pytest
from nats.aio.msg import Msg

from crm_shared.machinery.pull import deliveries_of

REPLIES = [
    "$JS.ACK.CRM_EVENTS.notifier-tasks.3.120.118.1733500000000000000.5",
    "$JS.ACK._.ACCHASH.CRM_EVENTS.notifier-tasks.4.120.118.1733500000000000000.5.xyz",
    "$JS.ACK.hub.ACCHASH.CRM_LEADS.deal-service-leads.1.7.7.1733500000000000000.0",
]


def _msg(reply: str | None) -> Msg:
    return Msg(_client=None, subject="s", reply=reply or "", data=b"")  # type: ignore[arg-type]


@pytest.mark.parametrize("reply", REPLIES)
def test_the_count_is_the_metadata_s(reply: str) -> None:
    assert deliveries_of(_msg(reply)) == _msg(reply).metadata.num_delivered


@pytest.mark.parametrize("reply", ["", None, "_INBOX.abc", "$JS.ACK.too.short"])
def test_not_a_jetstream_delivery_counts_once(reply: str | None) -> None:
    assert deliveries_of(_msg(reply)) == 1
