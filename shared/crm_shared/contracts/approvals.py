"""The query of requests awaiting the РОП's agreement (rule 6), apart from `commands`, which
is long enough: the РОП's page asks it instead of reading its inbox."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from crm_shared.contracts.commands import Command, Query
from crm_shared.contracts.replies import Answer, Asks, PendingApprovalsReply
from crm_shared.contracts.text import Id, Plain, Subject


class DeclinedReply(Answer):
    """The request declined: its deal, the stage it asked for, and who asked."""

    deal_id: Plain
    to_stage: Plain
    asked_by: Plain | None = None


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


class DeclineApproval(Command, Asks[DeclinedReply]):
    """crm.cmd.deal.approval.decline: the РОП declines a waiting request (rule 6), saying
    why. The request is no longer pending, the deal stays where it is, and whoever asked is
    told the reason (ApprovalDeclined; notification `approval_declined`). Only who may agree
    may decline: the deal's РОП, or any РОП for a deal without one."""

    SUBJECT: ClassVar[str] = "crm.cmd.deal.approval.decline"
    deal_id: Id
    reason: Subject = Field(min_length=1)
