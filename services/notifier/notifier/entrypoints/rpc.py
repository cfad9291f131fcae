"""Request/reply subjects of the notifier: the inbox, and failed deliveries retried by hand."""

from __future__ import annotations

from faststream.nats import NatsRouter

from crm_shared.commands import ListNotifications, ReadNotifications
from crm_shared.delivery_commands import ListDeliveries, RetryDeliveries
from crm_shared.rpc import Route
from crm_shared.rpc import build_router as build_routes
from notifier.handlers import inbox, retries
from notifier.handlers.context import Context

QUEUE = "notifier"
ROUTES: list[Route] = [
    (ListDeliveries, retries.list_deliveries),
    (RetryDeliveries, retries.retry_deliveries),
    (ListNotifications, inbox.list_notifications),
    (ReadNotifications, inbox.read_notifications),
]


def build_router(ctx: Context) -> NatsRouter:
    """One subscriber per subject; each parses strictly and always replies."""
    return build_routes(ROUTES, ctx, queue=QUEUE, metrics=ctx.metrics)
