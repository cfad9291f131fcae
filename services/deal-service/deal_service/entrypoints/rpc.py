"""Request/reply subjects of deal-service and the events it emits, on its FastStream router.

The router the service runs is the one the AsyncAPI document describes (`tools.crm_api`).
"""

from __future__ import annotations

from crm_shared.contracts.analytics import FunnelQuery, PeriodQuery
from crm_shared.contracts.deal import (
    ApprovalDeclined,
    ApprovalGranted,
    ContactErased,
    CreateDeal,
    DealCreated,
    DealHistory,
    DealNoted,
    DealTimeline,
    DealUpdated,
    DeclineApproval,
    EraseContact,
    GetContact,
    GetDeal,
    IdleThresholdsSet,
    ImportDeal,
    ImportedDeals,
    LeadReceived,
    ListDeals,
    LogContactAttempt,
    MoveDeal,
    MoveRejected,
    NoteDeal,
    PendingApprovals,
    SearchDeals,
    StageChanged,
    StageTotals,
    TryRules,
    UpdateDeal,
)
from crm_shared.machinery.rpc import Endpoints
from deal_service.entrypoints.consumers import STREAM
from deal_service.handlers import (
    analytics,
    approvals,
    deals,
    erasure,
    imports,
    queries,
    rules_try,
    search,
    story,
)
from deal_service.handlers.context import Context
from deal_service.handlers.leads import CONSUMER as LEADS

SERVICE = "deal-service"
IMPORT_WORKERS = 6
"""Imports handled at once (of the pool's 10 connections): each mostly waits on its
statements; `crm import bitrix24` never sends two deals of one contact at once."""


def endpoints() -> Endpoints[Context]:
    """One subscriber per subject in the service's queue group; each always replies."""
    api = Endpoints[Context](SERVICE)
    api.serve(CreateDeal, deals.create_deal, reply="deal")
    api.serve(UpdateDeal, deals.update_deal, reply="deal, changed")
    api.serve(MoveDeal, deals.move_deal, reply="deal, changed")
    api.serve(LogContactAttempt, deals.log_contact_attempt, reply="deal")
    api.serve(EraseContact, erasure.erase_contact, reply="contact_id, deal_ids")
    api.serve(
        ImportDeal,
        imports.import_deal,
        reply="deal, imported, updated, changed, missing",
        workers=IMPORT_WORKERS,
    )
    api.serve(ImportedDeals, imports.imported_deals, reply="items, next_after")
    api.serve(GetDeal, queries.get_deal, reply="deal")
    api.serve(ListDeals, queries.list_deals, reply="items, next_cursor")
    api.serve(StageTotals, queries.stage_totals, reply="stages [{stage, count, sums}]")
    api.serve(DealHistory, queries.deal_history, reply="items")
    api.serve(SearchDeals, search.search_deals, reply="read_as, deals, contacts")
    api.serve(GetContact, search.get_contact, reply="contact, deals")
    api.serve(NoteDeal, story.note_deal, reply="note")
    api.serve(DealTimeline, story.deal_timeline, reply="items, next_cursor, until, since")
    api.serve(DeclineApproval, approvals.decline_approval, reply="deal_id, to_stage, asked_by")
    api.serve(
        PendingApprovals,
        approvals.pending_approvals,
        reply="items [{deal, to_stage, asked_by, asked_at}]",
    )
    api.serve(FunnelQuery, analytics.funnel_report, reply="report")
    api.serve(PeriodQuery, analytics.period_report, reply="report")
    api.serve(TryRules, rules_try.rules_try, reply="report")
    api.emit(DealCreated, "A deal was created.")
    api.emit(DealUpdated, "Deal fields changed.")
    api.emit(ContactErased, "A contact's personal fields were erased (the record of it).")
    api.emit(StageChanged, "A deal entered a stage (from_stage null on creation).")
    api.emit(MoveRejected, "A move was refused; the deal did not change.")
    api.emit(ApprovalDeclined, "The РОП declined a request to move a deal.")
    api.emit(ApprovalGranted, "The РОП agreed to a request to move a deal, by making the move.")
    api.emit(DealNoted, "Someone wrote a note on a deal (no text: the deal was worked on).")
    api.emit(IdleThresholdsSet, "Idle thresholds per active stage, at start and nightly.")
    api.receive(
        [LeadReceived],
        stream=STREAM,
        durable=LEADS,
        note="Any source system publishes leads here. A CloudEvents envelope is preferred; a "
        "bare lead object is accepted too. The same (source, external_id) twice makes one "
        "deal. Bad input goes to crm.dlq.deal-service with the reason.",
    )
    return api
