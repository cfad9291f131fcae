"""The report of `crm import bitrix24`: per row imported, updated (with what changed),
unchanged or skipped with the reason's code, and the deals here deleted in the portal; said
in Russian through the locale catalogue (crm_shared.locale.imports), or as JSON with the
codes for a program."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rich.markup import escape
from rich.progress import ProgressColumn, Task
from rich.text import Text

from crm_cli.b24_stages import DEALS, tell
from crm_cli.ui import err, out, print_json
from crm_shared.locale.formats import number
from crm_shared.locale.imports import fields, line, skip_reason
from crm_shared.locale.words import count


class Rate(ProgressColumn):
    """A counter's pace as a person reads it, «27 в секунду»; nothing before there is one
    (rich's own `task.speed` is an unrounded float, or None)."""

    def render(self, task: Task) -> Text:
        speed = task.speed
        return Text("" if speed is None else f"{number(round(speed))} в секунду")


@dataclass
class Report:
    """Per deal: imported, updated, unchanged, or skipped with the reason."""

    imported: list[str] = field(default_factory=list)
    updated: dict[str, list[str]] = field(default_factory=dict)
    """The deals changed in the portal since their import, with the fields set here."""
    unchanged: list[str] = field(default_factory=list)
    skipped: dict[str, dict[str, Any]] = field(default_factory=dict)
    """`{"code", "params"}` (a refusal of deal-service: its error, less the English)."""
    missing: dict[str, list[str]] = field(default_factory=dict)
    """What the current stage requires and the deal lacks (reported, not enforced)."""
    deleted: dict[str, dict[str, Any]] = field(default_factory=dict)
    """The deals here the portal no longer has (kept here): `{"deal_id", "title", "stage"}`."""
    unmapped: dict[str, dict[str, Any]] = field(default_factory=dict)
    """The unmapped Bitrix24 stages deals are at, left out (`--skip-unmapped`): `{"name",
    "kind", "deals"}` (crm_cli.b24_stages)."""
    unchecked: tuple[int, int] | None = None
    """Not looked for deleted deals: a saved folder holds (this many, of the total) deals."""

    def as_json(self) -> dict[str, Any]:
        """The program-readable report: ids, field codes and reason codes."""
        return {
            "imported": self.imported,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "missing": self.missing,
            "deleted": self.deleted,
            "deleted_checked": self.unchecked is None,
            "unmapped": self.unmapped,
        }


def refusal(error: dict[str, Any]) -> dict[str, Any]:
    """A refusal of deal-service as the report keeps it: its code, params and fields."""
    return {k: v for k, v in error.items() if k != "message"}


def show(report: Report, as_json: bool, stages: dict[str, str]) -> None:
    """Print the report: JSON, or the counts and each updated, skipped and lacking row."""
    if as_json:
        print_json(report.as_json())
        return
    out().print(
        line(
            "summary",
            imported=len(report.imported),
            updated=len(report.updated),
            unchanged=len(report.unchanged),
            skipped=len(report.skipped),
            deleted=len(report.deleted),
        )
    )
    for key, changed in report.updated.items():
        out().print(line("updated", key=escape(key), fields=escape(fields(changed))))
    for key, why in report.skipped.items():
        reason = escape(skip_reason(why, stages))
        err().print(line("skipped", key=escape(key), reason=reason))
    if report.unmapped:
        tell("unmapped_skipped", report.unmapped)
    if report.missing:
        err().print(line("missing_head", count=count(len(report.missing), *DEALS)))
    for key, names in report.missing.items():
        err().print(line("missing", key=escape(key), fields=escape(fields(names))))
    if report.deleted:
        err().print(line("deleted_head", count=count(len(report.deleted), *DEALS)))
    for key, deal in report.deleted.items():
        stage = stages.get(str(deal.get("stage")), str(deal.get("stage")))
        title = escape(str(deal.get("title") or "—"))
        err().print(line("deleted", key=escape(key), title=title, stage=escape(stage)))
    if report.unchecked is not None:
        read, total = report.unchecked
        err().print(line("deleted_unknown", read=read, total=total))
