"""Request/reply subjects of deal-service, on a FastStream router (a queue group per service)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from faststream.nats import NatsMessage, NatsRouter
from pydantic import BaseModel

from crm_shared.commands import (
    CreateDeal,
    FunnelQuery,
    GetDeal,
    ListDeals,
    LogContactAttempt,
    MoveDeal,
    UpdateDeal,
)
from crm_shared.rpc import answer
from deal_service.handlers import analytics, deals, queries
from deal_service.handlers.context import Context

QUEUE = "deal-service"
Handler = Callable[[Any, Context], Awaitable[dict[str, Any]]]
ROUTES: list[tuple[type[BaseModel], Handler]] = [
    (CreateDeal, deals.create_deal),
    (UpdateDeal, deals.update_deal),
    (MoveDeal, deals.move_deal),
    (LogContactAttempt, deals.log_contact_attempt),
    (GetDeal, queries.get_deal),
    (ListDeals, queries.list_deals),
    (FunnelQuery, analytics.funnel_report),
]


def build_router(ctx: Context) -> NatsRouter:
    """One subscriber per subject; each parses strictly and always replies."""
    router = NatsRouter()
    for model, handler in ROUTES:
        _route(router, ctx, model, handler)
    return router


def _route(router: NatsRouter, ctx: Context, model: type[BaseModel], handler: Handler) -> None:
    subject: str = model.SUBJECT  # type: ignore[attr-defined]

    async def use_case(request: Any) -> dict[str, Any]:
        return await handler(request, ctx)

    @router.subscriber(subject, queue=QUEUE, title=f"{subject}:deal-service")
    async def endpoint(message: NatsMessage) -> dict[str, Any]:
        return await answer(message.body, model, use_case, ctx.metrics, subject)
