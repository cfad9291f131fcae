"""Asking another service over request/reply, for use cases that need its answer.

Services share no tables (SPEC §4), so what deal-service needs from task-service it asks on
the bus. A use case gets `ask` as a plain callable: no NATS types reach the handlers, and a
service that does not answer in time is `None`, which the caller reports rather than fails.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from nats.aio.client import Client as NatsClient
from nats.errors import Error as NatsError

log = logging.getLogger(__name__)
Ask = Callable[[str, dict[str, Any], float], Awaitable[dict[str, Any] | None]]
"""(subject, JSON body, timeout in seconds) -> the JSON reply, or None if none came in time."""


def bus_query(nc: NatsClient) -> Ask:
    """An `Ask` on this connection: the JSON reply, or None when nobody answered in time."""

    async def ask(subject: str, body: dict[str, Any], timeout: float) -> dict[str, Any] | None:
        try:
            msg = await nc.request(subject, json.dumps(body).encode(), timeout=timeout)
            reply = json.loads(msg.data)
        except (NatsError, TimeoutError, ValueError) as exc:
            log.warning("%s: no usable answer: %r", subject, exc)
            return None
        return reply if isinstance(reply, dict) else None

    return ask
