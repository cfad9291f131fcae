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


def test_an_erasure_and_a_note_are_sentences() -> None:
    """A walkthrough: the erasure's DealUpdated ended in «…, comment», and crm.deal.noted and
    crm.deal.contact_erased were printed as raw JSON."""
    updated = {"deal": {"id": "d1", "version": 5}, "changed": ["title", "contact.name", "comment"]}
    assert summary("crm.deal.updated", updated) == (
        "d1 версия 5: Название, Имя контакта, Комментарий лида"
    )
    noted = {"deal_id": "d1", "actor_id": "mgr-2", "at": "2026-12-07T20:41:11Z"}
    assert summary("crm.deal.noted", noted) == "d1: заметка, mgr-2"
    erased = {"contact_id": "c1", "deal_ids": ["d1", "d2"], "erased_by": "rop-1"}
    assert summary("crm.deal.contact_erased", erased) == "контакт c1 стёрт (rop-1): 2 сделки"


def _requests() -> set[str]:
    """Every command's and query's subject in the contracts."""
    import importlib
    import pkgutil

    import crm_shared.contracts as contracts
    from crm_shared.contracts.subjects import COMMAND_PREFIX, QUERY_PREFIX

    subjects = set()
    for module in pkgutil.walk_packages(contracts.__path__, contracts.__name__ + "."):
        for value in vars(importlib.import_module(module.name)).values():
            subject = getattr(value, "SUBJECT", None) if isinstance(value, type) else None
            if isinstance(subject, str) and subject.startswith((COMMAND_PREFIX, QUERY_PREFIX)):
                subjects.add(subject)
    return subjects


def test_every_request_of_the_contracts_is_said_in_russian() -> None:
    """A walkthrough: crm.cmd.* and crm.query.* lines were raw JSON."""
    from crm_cli.requests_said import ASKS

    found = _requests()
    assert len(found) > 30
    assert found == set(ASKS), sorted(found ^ set(ASKS))


def test_a_request_says_who_asks_what_and_about_which_deal() -> None:
    move = {"actor_id": "mgr-1", "deal_id": "d-1", "to_stage": "PROCESSING", "request_id": "k"}
    assert summary("crm.cmd.deal.move", move) == (
        "mgr-1: перевести сделку, сделка d-1 → «Обрабатываем запрос»"
    )
    search = {"actor_id": "rop", "text": "+7 912 345-67-89", "limit": 20}
    assert summary("crm.query.deal.search", search) == "rop: поиск"  # the text is not printed
    comment = {"actor_id": "mgr-2", "task_id": "t-9", "text": "перезвонить"}
    assert summary("crm.cmd.task.comment", comment) == "mgr-2: прокомментировать задачу, задача t-9"
    assert summary("crm.query.deal.unknown", {"actor_id": "x"}) == "x: запрос deal.unknown"
