"""What deal-service's commands and queries answer when they succeed.

Times that the service writes as `isoformat()` text (history, approvals) are kept as that
text, so that a reply passed on (the gateway's JSON API) is byte for byte what the service
said.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from crm_shared.contracts.base import Answer
from crm_shared.contracts.dto import Contact, Deal
from crm_shared.contracts.text import Plain


class DealReply(Answer):
    """A deal as it is now (create, contact attempt, get)."""

    deal: Deal


class UpdateDealReply(DealReply):
    """The deal after an update, and the names of the fields that changed (empty: none)."""

    changed: list[Plain] = Field(default_factory=list)


class MoveDealReply(DealReply):
    """The deal after a move (with any `fields` given applied in the same version), and the
    names of the fields that move changed besides the stage (empty: none)."""

    changed: list[Plain] = Field(default_factory=list)


class DealPage(Answer):
    """A page of deals, newest first; `next_cursor` asks for the next one."""

    items: list[Deal]
    next_cursor: Plain | None = None


class StageTotal(Answer):
    """One stage's deal count and sums by currency (decimal strings)."""

    stage: Plain
    count: int
    sums: dict[str, str] = Field(default_factory=dict)


class StageTotalsReply(Answer):
    """Every stage in pipeline order."""

    items: list[StageTotal]


class StageEntry(Answer):
    """One move of a deal: from where, to where, by whom, when (ISO 8601 text)."""

    from_stage: Plain | None = None
    to_stage: Plain
    actor_id: Plain | None = None
    at: str


class DealHistoryReply(Answer):
    """A deal's stage entries, newest first."""

    deal_id: Plain
    items: list[StageEntry]


class PendingApproval(Answer):
    """A move waiting for the РОП's agreement."""

    deal: Deal
    to_stage: Plain
    asked_by: Plain
    asked_at: str


class PendingApprovalsReply(Answer):
    """The waiting moves, oldest first."""

    items: list[PendingApproval]


class DeclinedReply(Answer):
    """The request declined: its deal, the stage it asked for, and who asked."""

    deal_id: Plain
    to_stage: Plain
    asked_by: Plain | None = None


class ImportDealReply(Answer):
    """The deal, whether this request made it (false: it was here already), whether it
    updated the deal that was here (`changed`: the fields it set, `stage` for a move), and
    the fields its stage requires that it lacks."""

    deal: Deal
    imported: bool
    updated: bool = False
    changed: list[str] = Field(default_factory=list)
    missing: list[str] = Field(default_factory=list)
    """The fields the current stage requires that the deal lacks: reported, not enforced."""


class ImportedDeal(Answer):
    """A deal imported from another CRM: its id there, its id here, its title and stage."""

    external_id: Plain
    deal_id: Plain
    title: Plain | None = None
    stage: Plain


class ImportedDealsReply(Answer):
    """A page of the deals imported from a source, by external id; `next_after` asks for
    the next page (null: the last)."""

    items: list[ImportedDeal]
    next_after: Plain | None = None


class SearchReply(Answer):
    """What `q` was read as (phone, email, words), the deals with their stage, and the
    contacts, each with how many of its deals the actor may see."""

    read_as: Plain
    deals: list[Deal]
    contacts: list[dict[str, Any]]


class ContactReply(Answer):
    """A contact and its deals the actor may see, newest first."""

    contact: Contact
    deals: list[Deal]


class NoteReply(Answer):
    """The note as kept: `deal_id`, `at`, `actor_id`, `text`."""

    note: dict[str, Any]


class DealTimelineReply(Answer):
    """A page of the deal's story (items: each with `at`, `kind`, `actor_id` and the kind's
    fields), its cursor, and the time window it covers (`until`, `since`; null: open)."""

    deal_id: Plain
    items: list[dict[str, Any]]
    next_cursor: str | None = None
    until: str | None = None
    since: str | None = None


class ErasedReply(Answer):
    """The erased contact and the deals whose copies of it were replaced."""

    contact_id: Plain
    deal_ids: list[Plain]
