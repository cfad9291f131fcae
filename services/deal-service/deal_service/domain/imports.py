"""A deal brought over from another CRM, as it stands there (ImportDeal).

Not a move through today's rules: the history happened. Only what makes it storable is
checked: known users, configured stages.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from crm_shared.config import CrmConfig
from crm_shared.contracts.deal import DealCreated, ImportDeal, StageChanged
from crm_shared.contracts.refusals import ErrorCode, Refused
from deal_service.domain.contacts import Contact
from deal_service.domain.model import Deal
from deal_service.domain.rules import check_user, field_present, required_on


@dataclass(frozen=True)
class HistoryRow:
    """One stage_history row of the imported past."""

    from_stage: str | None
    to_stage: str
    version: int
    at: datetime


def check_import(config: CrmConfig, cmd: ImportDeal) -> None:
    """A РОП imports; the people named are configured users; every stage is configured."""
    check_user(config, cmd.actor_id, "actor_id", role="rop")
    check_user(config, cmd.responsible_id, "responsible_id")
    check_user(config, cmd.rop_id, "rop_id", role="rop")
    for i, entry in enumerate(cmd.history):
        if config.stage_or_none(entry.stage) is None:
            raise Refused(ErrorCode.invalid, f"history[{i}].stage: no stage {entry.stage!r}")


def imported_deal(
    config: CrmConfig, cmd: ImportDeal, contact: Contact, responsible_id: str | None
) -> tuple[Deal, list[HistoryRow]]:
    """The deal at its current stage (the history's last), its version the history's length,
    with DealCreated and the StageChanged of its current stage; and the history rows.
    `responsible_id` is the command's, or the one lead distribution chose when it named none."""
    rows = [
        HistoryRow(cmd.history[i - 1].stage if i else None, entry.stage, i + 1, entry.at)
        for i, entry in enumerate(cmd.history)
    ]
    last = rows[-1]
    rop_id = cmd.rop_id
    if rop_id is None and config.plan != "free":
        rop_id = config.default_rop
    deal = Deal(
        id=str(uuid.uuid4()),
        stage=last.to_stage,
        created_at=cmd.created_at,
        updated_at=last.at,
        version=last.version,
        title=cmd.title,
        company=cmd.company,
        amount=cmd.amount,
        currency=cmd.currency or "RUB",
        contact=contact,
        responsible_id=responsible_id,
        rop_id=rop_id,
        subject=cmd.subject,
        requirements=cmd.requirements,
        source=cmd.source,
        external_id=cmd.external_id,
        comment=cmd.comment,
        delivery_method=cmd.delivery_method.value if cmd.delivery_method else None,
        failure_comment=cmd.failure_comment,
    )
    dto = deal.to_dto()
    deal.events += [
        DealCreated(deal=dto),
        StageChanged(
            deal_id=deal.id,
            from_stage=last.from_stage,
            to_stage=deal.stage,
            version=deal.version,
            actor_id=cmd.actor_id,
            deal=dto,
            imported=True,
        ),
    ]
    return deal, rows


def missing_on_stage(config: CrmConfig, deal: Deal) -> list[str]:
    """The fields the deal's stage requires that it lacks (an import reports them; the
    rules ask for them at the deal's next move forward): none for a won or lost deal, which
    has no next move."""
    stage = config.stage_or_none(deal.stage)
    if stage is None or stage.is_final:
        return []
    return [name for name in required_on(deal.stage, config) if not field_present(deal, name)]
