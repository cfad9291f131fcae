"""deal-service's queries: a deal, a page of deals, a deal's history and story, the board's
column totals, the moves awaiting the РОП's agreement (rule 6), and finding a client (by
phone, e-mail, name, deal title or company) with the contact's page, and the deals imported
from another CRM."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, model_validator

from crm_shared.contracts.base import ID_PREFIX, Asks, Query
from crm_shared.contracts.deal.replies import (
    ContactReply,
    DealHistoryReply,
    DealPage,
    DealReply,
    DealTimelineReply,
    ImportedDealsReply,
    PendingApprovalsReply,
    SearchReply,
    StageTotalsReply,
)
from crm_shared.contracts.text import Code, Cursor, Id, Name, Short


class GetDeal(Query, Asks[DealReply]):
    """crm.query.deal.get."""

    SUBJECT: ClassVar[str] = "crm.query.deal.get"
    deal_id: Id


class ListDeals(Query, Asks[DealPage]):
    """crm.query.deal.list: newest first, keyset paging by an opaque cursor."""

    SUBJECT: ClassVar[str] = "crm.query.deal.list"
    stage: Code | None = None
    responsible_id: Id | None = None
    contact_id: Id | None = None
    id_prefix: str | None = Field(None, pattern=ID_PREFIX)
    limit: int = Field(50, ge=1, le=500)
    cursor: Cursor | None = None
    source: Short | None = Field(
        None, description="with external_id: the deal a lead made, by the key its intake answered"
    )
    external_id: Short | None = None

    @model_validator(mode="after")
    def _keyed(self) -> ListDeals:
        if (self.source is None) != (self.external_id is None):
            raise ValueError("source and external_id: both or neither (a lead's key)")
        return self


class DealHistory(Query, Asks[DealHistoryReply]):
    """crm.query.deal.history: the stages a deal went through, newest first (a deal the
    actor may see)."""

    SUBJECT: ClassVar[str] = "crm.query.deal.history"
    deal_id: Id
    limit: int = Field(100, ge=1, le=500)


class StageTotals(Query, Asks[StageTotalsReply]):
    """crm.query.deal.stage_totals: per stage, how many deals and their sum by currency
    (a board's column headers), in the actor's scope."""

    SUBJECT: ClassVar[str] = "crm.query.deal.stage_totals"
    responsible_id: Id | None = None


class PendingApprovals(Query, Asks[PendingApprovalsReply]):
    """crm.query.deal.pending_approvals: moves refused with `rop_approval_required` that still
    wait (the deal has not moved since), oldest first, each with its deal, the stage asked
    for, who asked and when.

    In the actor's scope: a user with role rop gets the deals whose РОП they are (and those
    with none, which any РОП may agree to), as only they can agree; anyone else the requests
    on the deals they may see.
    """

    SUBJECT: ClassVar[str] = "crm.query.deal.pending_approvals"
    limit: int = Field(100, ge=1, le=500)


class SearchDeals(Query, Asks[SearchReply]):
    """crm.query.deal.search: deals and contacts matching `q`, in the actor's scope.

    `q` is read as a phone when it is one in any form a caller id shows (`8 912 …`,
    `+7 (912) …`, `912…`: compared in E.164); as a part of a phone when it is 4 to 9 digits
    with spaces, `-`, `()`, `.` or `+` (`67-89`, `345-67-89`, `912 345`: the phones holding
    those digits, then titles and companies holding the number; `read_as` is `phone`); as an
    e-mail when it has `@` (compared lower-cased), else as words compared with contacts'
    names, deals' titles and companies. Each deal with its stage; each contact with the
    number of its deals the actor may see (a contact none of whose deals they may see is not
    shown).
    """

    SUBJECT: ClassVar[str] = "crm.query.deal.search"
    q: Name = Field(min_length=1)
    limit: int = Field(20, ge=1, le=100)


class GetContact(Query, Asks[ContactReply]):
    """crm.query.deal.contact: a contact's fields and their deals the actor may see, newest
    first; `forbidden` when the actor may see none of them (a manager with `access: own`)."""

    SUBJECT: ClassVar[str] = "crm.query.deal.contact"
    contact_id: Id
    limit: int = Field(100, ge=1, le=500)


class DealTimeline(Query, Asks[DealTimelineReply]):
    """crm.query.deal.timeline: a deal's story as deal-service keeps it, newest first, paged.

    Each item has `at`, `kind` (note, field_changed, stage_changed, contact_attempt,
    approval_asked, approval_declined, approval_granted), `actor_id` and the kind's fields (a
    field_changed made through another deal of the same contact has `through_deal_id`). The reply's
    `until` and `since` bound the page in time (null: open-ended), so that a client merging
    another feed (crm.query.task.timeline) puts each of its items on exactly one page.
    """

    SUBJECT: ClassVar[str] = "crm.query.deal.timeline"
    deal_id: Id
    limit: int = Field(50, ge=1, le=200)
    cursor: Cursor | None = None


class ImportedDeals(Query, Asks[ImportedDealsReply]):
    """crm.query.deal.imported: the deals imported from `source` (`crm import bitrix24`
    compares them with what the portal still has), in the order of their external ids, a
    page after the one ending at `after`. A РОП's, as importing is."""

    SUBJECT: ClassVar[str] = "crm.query.deal.imported"
    source: Short = Field(min_length=1)
    after: Name | None = None
    limit: int = Field(1000, ge=1, le=1000)
