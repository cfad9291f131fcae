"""The notice kinds are one enum (contracts' `NoticeKind`) that the configuration, the
notifier, the command line and the event API document read; each kind has all its parts."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from crm_cli.inbox import _KINDS as CLI_NAMES
from crm_shared.config import KINDS, NOTIFICATION_KINDS, NotificationTemplates
from crm_shared.config.notifications import PLACEHOLDERS
from crm_shared.contracts.notify import KIND_NOTES, NoticeKind, Notification, NotificationsReply
from crm_shared.locale import word
from crm_shared.locale.words import NOTICE_KINDS
from notifier.domain.messages import EMAIL_SUBJECTS


def test_every_kind_has_its_words_template_and_description() -> None:
    kinds = set(NoticeKind)
    assert set(KINDS) == set(NOTIFICATION_KINDS) == set(PLACEHOLDERS) == kinds
    assert set(NotificationTemplates.model_fields) == set(KIND_NOTES) == kinds


@pytest.mark.parametrize("kind", list(NoticeKind))
def test_each_kind_has_a_russian_name_and_its_own_email_subject(kind: NoticeKind) -> None:
    """Listed by hand, approval_declined had neither: its e-mail was titled «CRM» and `crm
    inbox` showed the code."""
    assert CLI_NAMES[kind] and CLI_NAMES[kind] != kind
    assert EMAIL_SUBJECTS[kind].startswith("CRM: ")
    assert len(set(EMAIL_SUBJECTS.values())) == len(NoticeKind)


@pytest.mark.parametrize("kind", list(NoticeKind))
def test_the_command_line_says_each_kind_in_russian(kind: NoticeKind) -> None:
    """`crm inbox` and `crm events` say a kind from the locale's NOTICE_KINDS, which lacked
    approval_declined and approval_granted: their rows showed the codes. The same words as
    the configuration's, so the two lists cannot drift."""
    assert word(NOTICE_KINDS, kind) == KINDS[kind].name != kind
    assert set(NOTICE_KINDS) == set(NoticeKind)


def test_kind_is_typed_in_the_contracts_and_the_document() -> None:
    base = {"text": "t", "deal_id": "d", "user_id": "u"}
    note = Notification.model_validate({**base, "kind": "task_overdue"})
    assert note.kind is NoticeKind.task_overdue
    assert note.model_dump(mode="json")["kind"] == "task_overdue"
    with pytest.raises(ValidationError):
        Notification.model_validate({**base, "kind": "task_overdu"})
    reply = {"items": [{"id": "n", "kind": "move_rejected", "text": "t", "created_at": "x",
                        "read": False}], "unread": 1}  # fmt: skip
    assert NotificationsReply.model_validate(reply).items[0].kind is NoticeKind.move_rejected
    schema = Notification.model_json_schema()
    assert schema["$defs"]["NoticeKind"]["enum"] == [k.value for k in NoticeKind]
    assert all(f"`{k}`" in schema["properties"]["kind"]["description"] for k in NoticeKind)
