"""The deal_idle notice says its threshold as where it comes from: «обычно сделки уходят с
неё за …» only for a threshold measured on the stage's moves (source history); the stage's
idle_after (source config) is «порог стадии — …» (a tester read a history that did not
exist: «обычно … за 2 мин» of a stage no deal had left yet)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from crm_shared.config import NotificationTemplates
from notifier.domain.idle import IdleRow
from notifier.domain.idle_messages import idle_notification, threshold_note

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
ROW = IdleRow(
    deal_id="d1", stage="NEW_LEAD", responsible_id="mgr-1", rop_id=None,
    title="Поддоны для склада", contact_name="Ольга", last_activity_at=T0,
    due_at=T0 + timedelta(minutes=2), fired_at=T0 + timedelta(minutes=2, seconds=35),
)  # fmt: skip


def _text(seconds: float | None, source: str | None) -> str:
    note = idle_notification(
        ROW, seconds, "Новый лид", {"mgr-1": "Иван Иванов"}, NotificationTemplates(), source
    )
    assert note is not None
    return note.text


def test_a_configured_threshold_is_no_history() -> None:
    assert _text(120, "config") == (
        "Сделка «Поддоны для склада» (Ольга) засиделась на стадии «Новый лид»: без движения "
        "2 мин 35 с (порог стадии — 2 мин)."
    )
    assert "обычно" not in _text(120, None)


def test_a_measured_threshold_says_what_deals_usually_do() -> None:
    assert _text(120, "history").endswith(
        "без движения 2 мин 35 с (обычно сделки уходят с неё за 2 мин)."
    )


def test_the_note_and_the_bare_threshold_in_a_configured_template() -> None:
    assert threshold_note(None, "none") == "порог стадии не задан"
    mine = NotificationTemplates(deal_idle="{stage}: {idle}, {threshold}; {threshold_note}")
    note = idle_notification(ROW, 120, "Новый лид", {}, mine, "history")
    assert note is not None
    assert note.text == "Новый лид: 2 мин 35 с, 2 мин; обычно сделки уходят с неё за 2 мин"
