"""deal-service's contracts: its commands, queries, replies, events and the rules' dry run."""

from __future__ import annotations

from crm_shared.contracts.deal.commands import (
    CONTACT_FIELD_NAMES as CONTACT_FIELD_NAMES,
)
from crm_shared.contracts.deal.commands import (
    DEAL_FIELD_NAMES as DEAL_FIELD_NAMES,
)
from crm_shared.contracts.deal.commands import (
    ERASED as ERASED,
)
from crm_shared.contracts.deal.commands import (
    MAX_HISTORY as MAX_HISTORY,
)
from crm_shared.contracts.deal.commands import (
    Clearable as Clearable,
)
from crm_shared.contracts.deal.commands import (
    ContactInput as ContactInput,
)
from crm_shared.contracts.deal.commands import (
    CreateDeal as CreateDeal,
)
from crm_shared.contracts.deal.commands import (
    DealFields as DealFields,
)
from crm_shared.contracts.deal.commands import (
    DeclineApproval as DeclineApproval,
)
from crm_shared.contracts.deal.commands import (
    EraseContact as EraseContact,
)
from crm_shared.contracts.deal.commands import (
    ImportDeal as ImportDeal,
)
from crm_shared.contracts.deal.commands import (
    ImportedStage as ImportedStage,
)
from crm_shared.contracts.deal.commands import (
    LogContactAttempt as LogContactAttempt,
)
from crm_shared.contracts.deal.commands import (
    MoveDeal as MoveDeal,
)
from crm_shared.contracts.deal.commands import (
    NoteDeal as NoteDeal,
)
from crm_shared.contracts.deal.commands import (
    UpdateDeal as UpdateDeal,
)
from crm_shared.contracts.deal.events import (
    ApprovalDeclined as ApprovalDeclined,
)
from crm_shared.contracts.deal.events import (
    ApprovalGranted as ApprovalGranted,
)
from crm_shared.contracts.deal.events import (
    ContactErased as ContactErased,
)
from crm_shared.contracts.deal.events import (
    DealCreated as DealCreated,
)
from crm_shared.contracts.deal.events import (
    DealNoted as DealNoted,
)
from crm_shared.contracts.deal.events import (
    DealUpdated as DealUpdated,
)
from crm_shared.contracts.deal.events import (
    DealWentIdle as DealWentIdle,
)
from crm_shared.contracts.deal.events import (
    IdleThreshold as IdleThreshold,
)
from crm_shared.contracts.deal.events import (
    IdleThresholdsSet as IdleThresholdsSet,
)
from crm_shared.contracts.deal.events import (
    LeadContact as LeadContact,
)
from crm_shared.contracts.deal.events import (
    LeadReceived as LeadReceived,
)
from crm_shared.contracts.deal.events import (
    MoveRejected as MoveRejected,
)
from crm_shared.contracts.deal.events import (
    RejectionError as RejectionError,
)
from crm_shared.contracts.deal.events import (
    StageChanged as StageChanged,
)
from crm_shared.contracts.deal.queries import (
    DealHistory as DealHistory,
)
from crm_shared.contracts.deal.queries import (
    DealTimeline as DealTimeline,
)
from crm_shared.contracts.deal.queries import (
    GetContact as GetContact,
)
from crm_shared.contracts.deal.queries import (
    GetDeal as GetDeal,
)
from crm_shared.contracts.deal.queries import (
    ImportedDeals as ImportedDeals,
)
from crm_shared.contracts.deal.queries import (
    ListDeals as ListDeals,
)
from crm_shared.contracts.deal.queries import (
    PendingApprovals as PendingApprovals,
)
from crm_shared.contracts.deal.queries import (
    SearchDeals as SearchDeals,
)
from crm_shared.contracts.deal.queries import (
    StageTotals as StageTotals,
)
from crm_shared.contracts.deal.replies import (
    ContactReply as ContactReply,
)
from crm_shared.contracts.deal.replies import (
    DealHistoryReply as DealHistoryReply,
)
from crm_shared.contracts.deal.replies import (
    DealPage as DealPage,
)
from crm_shared.contracts.deal.replies import (
    DealReply as DealReply,
)
from crm_shared.contracts.deal.replies import (
    DealTimelineReply as DealTimelineReply,
)
from crm_shared.contracts.deal.replies import (
    DeclinedReply as DeclinedReply,
)
from crm_shared.contracts.deal.replies import (
    ErasedReply as ErasedReply,
)
from crm_shared.contracts.deal.replies import (
    ImportDealReply as ImportDealReply,
)
from crm_shared.contracts.deal.replies import (
    ImportedDeal as ImportedDeal,
)
from crm_shared.contracts.deal.replies import (
    ImportedDealsReply as ImportedDealsReply,
)
from crm_shared.contracts.deal.replies import (
    MoveDealReply as MoveDealReply,
)
from crm_shared.contracts.deal.replies import (
    NoteReply as NoteReply,
)
from crm_shared.contracts.deal.replies import (
    PendingApproval as PendingApproval,
)
from crm_shared.contracts.deal.replies import (
    PendingApprovalsReply as PendingApprovalsReply,
)
from crm_shared.contracts.deal.replies import (
    SearchReply as SearchReply,
)
from crm_shared.contracts.deal.replies import (
    StageEntry as StageEntry,
)
from crm_shared.contracts.deal.replies import (
    StageTotal as StageTotal,
)
from crm_shared.contracts.deal.replies import (
    StageTotalsReply as StageTotalsReply,
)
from crm_shared.contracts.deal.replies import (
    UpdateDealReply as UpdateDealReply,
)
from crm_shared.contracts.deal.rules_try import (
    MAX_CONFIG_BYTES as MAX_CONFIG_BYTES,
)
from crm_shared.contracts.deal.rules_try import (
    MAX_EXAMPLES as MAX_EXAMPLES,
)
from crm_shared.contracts.deal.rules_try import (
    MAX_SINCE_DAYS as MAX_SINCE_DAYS,
)
from crm_shared.contracts.deal.rules_try import (
    ConfigText as ConfigText,
)
from crm_shared.contracts.deal.rules_try import (
    FunnelComparison as FunnelComparison,
)
from crm_shared.contracts.deal.rules_try import (
    FunnelStageComparison as FunnelStageComparison,
)
from crm_shared.contracts.deal.rules_try import (
    RefusalGroup as RefusalGroup,
)
from crm_shared.contracts.deal.rules_try import (
    RulesTryReply as RulesTryReply,
)
from crm_shared.contracts.deal.rules_try import (
    RulesTryReport as RulesTryReport,
)
from crm_shared.contracts.deal.rules_try import (
    TriedMove as TriedMove,
)
from crm_shared.contracts.deal.rules_try import (
    TryRules as TryRules,
)
