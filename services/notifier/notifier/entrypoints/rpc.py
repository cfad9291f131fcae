"""Request/reply subjects of the notifier: failed deliveries, listed and retried by hand."""

from __future__ import annotations

from faststream.nats import NatsRouter

from crm_shared.delivery_commands import ListDeliveries, RetryDeliveries
from crm_shared.rpc import Route
from crm_shared.rpc import build_router as build_routes
from notifier.handlers import retries
from notifier.handlers.context import Context

QUEUE = "notifier"
ROUTES: list[Route] = [
    (ListDeliveries, retries.list_deliveries),
    (RetryDeliveries, retries.retry_deliveries),
]


def build_router(ctx: Context) -> NatsRouter:
    """One subscriber per subject; each parses strictly and always replies."""
    return build_routes(ROUTES, ctx, queue=QUEUE, metrics=ctx.metrics)
