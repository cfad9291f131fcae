"""Request/reply subjects of deal-service, on a FastStream router (a queue group per service)."""

from __future__ import annotations

from faststream.nats import NatsRouter

from crm_shared.commands import (
    CreateDeal,
    DealHistory,
    FunnelQuery,
    GetDeal,
    ListDeals,
    LogContactAttempt,
    MoveDeal,
    PeriodQuery,
    StageTotals,
    UpdateDeal,
)
from crm_shared.rpc import Route
from crm_shared.rpc import build_router as build_routes
from deal_service.handlers import analytics, deals, queries
from deal_service.handlers.context import Context

QUEUE = "deal-service"
ROUTES: list[Route] = [
    (CreateDeal, deals.create_deal),
    (UpdateDeal, deals.update_deal),
    (MoveDeal, deals.move_deal),
    (LogContactAttempt, deals.log_contact_attempt),
    (GetDeal, queries.get_deal),
    (ListDeals, queries.list_deals),
    (StageTotals, queries.stage_totals),
    (DealHistory, queries.deal_history),
    (FunnelQuery, analytics.funnel_report),
    (PeriodQuery, analytics.period_report),
]


def build_router(ctx: Context) -> NatsRouter:
    """One subscriber per subject; each parses strictly and always replies."""
    return build_routes(ROUTES, ctx, queue=QUEUE, metrics=ctx.metrics)
