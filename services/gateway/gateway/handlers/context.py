"""What the gateway's use cases work with (built once, in bootstrap)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
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
    _slowed: dict[str, asyncio.Lock] = field(default_factory=dict)
    _waiting: dict[str, int] = field(default_factory=dict)

    @contextlib.asynccontextmanager
    async def slowed(self, user_id: str) -> AsyncIterator[None]:
        """One sign-in at a time for an account being guessed at (in this process)."""
        lock = self._slowed.setdefault(user_id, asyncio.Lock())
        self._waiting[user_id] = self._waiting.get(user_id, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._waiting[user_id] -= 1
            if not self._waiting[user_id]:
                del self._waiting[user_id], self._slowed[user_id]
