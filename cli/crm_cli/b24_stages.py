"""The Bitrix24 stages that hold deals and are not mapped: their deals would not come over.

A won deal left behind is a sale missing from our reports, a lost one a refusal missing from
the reasons; an open one is work nobody here sees. So an import refuses to start while any
stage holding deals is unmapped, naming each with its deals' count (the won and lost first),
unless the operator says to leave them (`--skip-unmapped`); the plan (`--plan`) warns of
the same. Pure: the portal's rows and the mapping in, the stages out.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from rich.markup import escape

from crm_cli.b24_fields import to_of
from crm_cli.ui import err
from crm_shared.locale.imports import line
from crm_shared.locale.words import count

DEALS = ("сделка", "сделки", "сделок")
KINDS = {"S": "won", "SUCCESS": "won", "F": "lost", "FAILURE": "lost"}
"""Bitrix24's stage semantics (crm.status.list's SEMANTICS, or EXTRA.SEMANTICS) as ours."""


def kind(stage_id: str, row: dict[str, Any] | None) -> str | None:
    """`won`, `lost` or None (an open stage): by the stage's semantics, else by its id
    (`WON`, `LOSE`, `C<n>:WON`, `C<n>:LOSE`, as Bitrix24 names its final stages)."""
    row = row or {}
    extra = row.get("EXTRA")
    extra = extra if isinstance(extra, dict) else {}
    for semantics in (row.get("SEMANTICS"), extra.get("SEMANTICS")):
        found = KINDS.get(str(semantics or "").upper())
        if found:
            return found
    bare = stage_id.rsplit(":", 1)[-1]
    return {"WON": "won", "LOSE": "lost"}.get(bare)


def unmapped(
    stages: list[dict[str, Any]], deals: list[dict[str, Any]], mapping: dict[str, Any]
) -> dict[str, dict[str, Any]]:
    """Each Bitrix24 stage deals are at that the mapping does not map: `{"name", "kind",
    "deals"}`, the won and lost first, then by the deals' count."""
    rows = {str(s.get("STATUS_ID")): s for s in stages}
    held = Counter(str(d.get("STAGE_ID")) for d in deals)
    found: dict[str, dict[str, Any]] = {
        stage: {
            "name": str((rows.get(stage) or {}).get("NAME") or stage),
            "kind": kind(stage, rows.get(stage)),
            "deals": n,
        }
        for stage, n in held.items()
        if to_of(mapping, "stages", stage) is None
    }
    order = sorted(found, key=lambda s: (found[s]["kind"] is None, -found[s]["deals"], s))
    return {stage: found[stage] for stage in order}


def said(stages: dict[str, dict[str, Any]]) -> list[str]:
    """A line a stage, as a person reads it: «  «Сделка успешна» (WON, успешная: выигранные
    сделки) — 3 сделки» (the id left out where it is the name)."""
    lines = []
    for stage, s in stages.items():
        about = [stage] if stage != s["name"] else []
        about += [line(f"kind_{s['kind']}")] if s["kind"] else []
        lines.append(
            line(
                "unmapped_stage",
                name=escape(s["name"]),
                about=f" ({escape(', '.join(about))})" if about else "",
                deals=count(int(s["deals"]), *DEALS),
            )
        )
    return lines


def tell(head: str, stages: dict[str, dict[str, Any]], *tail: str) -> None:
    """The line `head`, a line each stage, then the lines `tail`, on stderr."""
    for said_line in (line(head), *said(stages), *(line(t) for t in tail)):
        err().print(said_line)
