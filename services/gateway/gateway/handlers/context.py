"""What the gateway's use cases work with (built once, in bootstrap)."""

from __future__ import annotations

from dataclasses import dataclass, field

from crm_shared.config import CrmConfig
from gateway.adapters.bus import Bus
from gateway.adapters.idempotency_store import IdempotencyStore
from gateway.adapters.metrics import GatewayMetrics
from gateway.adapters.store import PeopleStore
from gateway.adapters.tokens_store import TokenStore
from gateway.domain.tokens import TokenBucket
from gateway.handlers.streams import Streams
from gateway.settings import Settings


@dataclass
class Context:
    """The configuration, stores, bus and metrics of one gateway process."""

    settings: Settings
    config: CrmConfig
    people: PeopleStore
    tokens: TokenStore
    idempotency: IdempotencyStore
    bus: Bus
    metrics: GatewayMetrics
    buckets: dict[str, TokenBucket] = field(default_factory=dict)
    streams: Streams = field(default_factory=Streams)
