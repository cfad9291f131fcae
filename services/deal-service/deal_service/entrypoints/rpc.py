"""Request/reply subjects of deal-service and the events it emits, on its FastStream router.

The router the service runs is the one the AsyncAPI document describes (`tools.crm_api`).
"""

from __future__ import annotations

from crm_shared.contracts import events as e
from crm_shared.contracts.approvals import DeclineApproval, PendingApprovals
from crm_shared.contracts.commands import (
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
from crm_shared.contracts.import_commands import ImportDeal
from crm_shared.contracts.personal import EraseContact
from crm_shared.contracts.rules_try import TryRules
from crm_shared.contracts.search import GetContact, SearchDeals
from crm_shared.contracts.story import DealTimeline, NoteDeal
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


def endpoints() -> Endpoints[Context]:
    """One subscriber per subject in the service's queue group; each always replies."""
    api = Endpoints[Context](SERVICE)
    api.serve(CreateDeal, deals.create_deal, reply="deal")
    api.serve(UpdateDeal, deals.update_deal, reply="deal, changed")
    api.serve(MoveDeal, deals.move_deal, reply="deal, changed")
    api.serve(LogContactAttempt, deals.log_contact_attempt, reply="deal")
    api.serve(EraseContact, erasure.erase_contact, reply="contact_id, deal_ids")
    api.serve(ImportDeal, imports.import_deal, reply="deal, imported, missing")
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
    api.emit(e.DealCreated, "A deal was created.")
    api.emit(e.DealUpdated, "Deal fields changed.")
    api.emit(e.ContactErased, "A contact's personal fields were erased (the record of it).")
    api.emit(e.StageChanged, "A deal entered a stage (from_stage null on creation).")
    api.emit(e.MoveRejected, "A move was refused; the deal did not change.")
    api.emit(e.ApprovalDeclined, "The РОП declined a request to move a deal.")
    api.emit(e.DealNoted, "Someone wrote a note on a deal (no text: the deal was worked on).")
    api.emit(e.IdleThresholdsSet, "Idle thresholds per active stage, at start and nightly.")
    api.receive(
        [e.LeadReceived],
        stream=STREAM,
        durable=LEADS,
        note="Any source system publishes leads here. A CloudEvents envelope is preferred; a "
        "bare lead object is accepted too. The same (source, external_id) twice makes one "
        "deal. Bad input goes to crm.dlq.deal-service with the reason.",
    )
    return api
