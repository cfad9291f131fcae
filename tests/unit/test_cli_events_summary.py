"""`crm events tail`'s line for the notifier's NotificationsRead (crm.notify.<user>.read):
read as a notification it printed «—: None»."""

from __future__ import annotations

from crm_cli.events import summary


def test_a_read_event_says_whose_and_how_many() -> None:
    settled = {"user_id": "mgr-1", "ids": ["n1", "n2"], "deal_id": "d1", "reason": "settled"}
    assert summary("crm.notify.mgr-1.read", settled) == (
        "mgr-1: прочитано уведомлений: 2 (сделка d1 дошла до стадии, куда переход был отклонён)"
    )
    read = {"user_id": "mgr-1", "ids": ["n1"], "reason": "read"}
    assert summary("crm.notify.mgr-1.read", read) == "mgr-1: прочитано уведомлений: 1"


def test_a_notification_is_still_its_kind_and_text() -> None:
    note = {"kind": "task_assigned", "text": "Новая задача «Позвонить»"}
    assert summary("crm.notify.mgr-1", note) == "новая задача: Новая задача «Позвонить»"
