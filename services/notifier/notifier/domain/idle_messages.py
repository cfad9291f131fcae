"""What the notifier tells of idle deals: the responsible's deal_idle notice and the РОП's
daily digest (issue 24). Pure functions; durations in the catalogue's Russian units."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from crm_shared.config import NotificationTemplates
from crm_shared.contracts.notify import NoticeKind, Notification
from crm_shared.locale import duration
from notifier.domain.idle import IdleRow
from notifier.domain.messages import render

DIGEST_LINES = 50
"""Deals listed by name in one digest; the count covers them all."""


def _deal(row: IdleRow) -> str:
    return row.title or "без названия"


def threshold_note(seconds: float | None, source: str | None) -> str:
    """The stage's threshold said as where it comes from (`{threshold_note}`): «обычно…»
    only when deal-service measured it on the stage's moves (source history); the stage's
    idle_after (config) is a setting, not what deals usually do."""
    if not seconds:
        return "порог стадии не задан"
    if source == "history":
        return f"обычно сделки уходят с неё за {duration(seconds)}"
    return f"порог стадии — {duration(seconds)}"


def idle_notification(
    row: IdleRow,
    threshold_seconds: float | None,
    stage_name: str,
    names: Mapping[str, str],
    templates: NotificationTemplates,
    threshold_source: str | None = None,
) -> Notification | None:
    """The responsible hears their deal sits idle (None when it has no responsible);
    `threshold_source` is the threshold's (IdleThreshold.source: history, config)."""
    if row.responsible_id is None:
        return None
    values = {
        "deal": _deal(row),
        "contact": row.contact_name or "контакт не указан",
        "manager": names.get(row.responsible_id, row.responsible_id),
        "stage": stage_name,
        "idle": duration((row.fired_at - row.last_activity_at).total_seconds()),
        "threshold": duration(threshold_seconds) if threshold_seconds else "—",
        "threshold_note": threshold_note(threshold_seconds, threshold_source),
    }
    return Notification(
        kind=NoticeKind.deal_idle,
        text=render(templates.deal_idle, values),
        deal_id=row.deal_id,
        user_id=row.responsible_id,
    )


def digest_recipient(row: IdleRow, default_rop: str | None) -> str | None:
    """Whose digest lists the deal: its РОП, else the default РОП."""
    return row.rop_id or default_rop


def digest_notifications(
    rows: list[IdleRow],
    now: datetime,
    default_rop: str | None,
    stage_names: Mapping[str, str],
    names: Mapping[str, str],
    templates: NotificationTemplates,
) -> list[Notification]:
    """One digest per РОП with idle deals (idle longest first); `deal_id` is the first's."""
    by_rop: dict[str, list[IdleRow]] = {}
    for row in rows:
        rop = digest_recipient(row, default_rop)
        if rop is not None:
            by_rop.setdefault(rop, []).append(row)
    notes = []
    for rop, mine in by_rop.items():
        mine.sort(key=lambda r: r.last_activity_at)
        lines = [
            f"• {_deal(r)} — {stage_names.get(r.stage, r.stage)}, "
            f"{names.get(r.responsible_id or '', r.responsible_id or 'не назначен')}, "
            f"без движения {duration((now - r.last_activity_at).total_seconds())}"
            for r in mine[:DIGEST_LINES]
        ]
        if len(mine) > DIGEST_LINES:
            lines.append(f"… и ещё {len(mine) - DIGEST_LINES}")
        values = {"count": str(len(mine)), "deals": "\n".join(lines)}
        notes.append(
            Notification(
                kind=NoticeKind.idle_digest,
                text=render(templates.idle_digest, values),
                deal_id=mine[0].deal_id,
                user_id=rop,
            )
        )
    return notes
