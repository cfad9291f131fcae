"""A deal imported before, brought over again after it changed in its source (ImportDeal
with a newer `modified_at`): the fields it gives that differ are set as an update sets them,
and a stage it left there is a move here with the history rows of the stages it went
through, at the times they happened. Like the first import, the move is not checked against
today's rules (it happened). A field the command lists as `cleared` (empty in the source) is
emptied here in the same DealUpdated, also one the deal's stage requires (the reply reports
it as missing, as the first import's); a field merely not given is left as it is.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

from crm_shared.contracts.deal import ImportDeal, StageChanged
from deal_service.domain.changes import DEAL_FIELDS
from deal_service.domain.imports import HistoryRow
from deal_service.domain.model import Deal


def newer(cmd: ImportDeal, seen: datetime | None) -> bool:
    """Whether the source changed the deal after the import that stored `seen` (a command
    without `modified_at` never updates; a deal imported before times were kept does)."""
    return cmd.modified_at is not None and (seen is None or cmd.modified_at > seen)


def given_values(cmd: ImportDeal) -> tuple[dict[str, Any], dict[str, Any]]:
    """The deal fields and the contact fields the command gives (not empty), and those it
    clears (None), for `Deal.update`."""

    def plain(value: Any) -> Any:
        return value.value if isinstance(value, Enum) else value

    values = {
        name: plain(getattr(cmd, name))
        for name in DEAL_FIELDS
        if name in type(cmd).model_fields and getattr(cmd, name) is not None
    }
    person = cmd.contact
    contact: dict[str, Any] = {
        name: str(plain(getattr(person, name)))
        for name in type(person).model_fields
        if getattr(person, name) is not None
    }
    for name in cmd.cleared:
        owner, _, field = name.rpartition(".")
        (contact if owner else values)[field] = None
    return values, contact


def move_since(deal: Deal, cmd: ImportDeal, last_entry: datetime) -> list[HistoryRow]:
    """Move the deal to the command's current stage when it stands elsewhere: the history
    entries after `last_entry` (its newest stage entry here) that lead there, each a row with
    its version, and one StageChanged (from the stage before the last, as the first import
    emits it). Returns the rows to write; none when the stage is the same."""
    current = cmd.history[-1].stage
    if current == deal.stage:
        return []
    path: list[tuple[str, datetime]] = []
    here = deal.stage
    for entry in cmd.history:
        if entry.at > last_entry and entry.stage != (path[-1][0] if path else here):
            path.append((entry.stage, entry.at))
    if not path or path[-1][0] != current:
        at = max(last_entry, cmd.modified_at or last_entry, *(at for _, at in path))
        path.append((current, at))
    rows: list[HistoryRow] = []
    for stage, at in path:
        rows.append(HistoryRow(rows[-1].to_stage if rows else here, stage, deal.version + 1, at))
        deal.version += 1
    last = rows[-1]
    deal.stage = last.to_stage
    deal.contact_attempts, deal.attempts = 0, []
    deal.updated_at = max(deal.updated_at, last.at)
    deal.events.append(
        StageChanged(
            deal_id=deal.id,
            from_stage=last.from_stage,
            to_stage=deal.stage,
            version=deal.version,
            actor_id=cmd.actor_id,
            deal=deal.to_dto(),
            imported=True,
        )
    )
    return rows
