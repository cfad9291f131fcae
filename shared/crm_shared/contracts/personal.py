"""A person's data (152-ФЗ, GDPR): the command that erases a contact everywhere.

`crm contact erase <id>` sends `EraseContact` to deal-service; deal-service replaces the
contact's personal fields and its deals' free texts with `ERASED`, logs the erasure, and
publishes, through its outbox, `DealUpdated` with `erased: true` for each of the contact's
deals (task-service obeys it on every task of those deals, open or closed, and publishes
`TaskUpdated` with `erased: true`, which the notifier obeys on its notifications) and one
`ContactErased`, the bus's record of it. Deals, stages and amounts stay, for analytics.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field

from crm_shared.contracts.commands import Command, Query
from crm_shared.contracts.replies import Answer, Asks
from crm_shared.contracts.text import Id, Plain

# What a person's erased name, a deal's title and a task's copies of them become.
ERASED = "[удалено]"


class ErasedReply(Answer):
    """The erased contact and the deals whose copies of it were replaced."""

    contact_id: Plain
    deal_ids: list[Plain]


class NotificationsAboutReply(Answer):
    """The notifications about the deals, oldest first (free-form: the inbox's items)."""

    items: list[dict[str, Any]]


class EraseContact(Command, Asks[ErasedReply]):
    """crm.cmd.deal.erase_contact: replace the contact's personal fields in every service (a
    РОП only). Answers the contact's id and its deals' ids; repeating it changes nothing more."""

    SUBJECT: ClassVar[str] = "crm.cmd.deal.erase_contact"
    contact_id: Id


class NotificationsAbout(Query, Asks[NotificationsAboutReply]):
    """crm.query.notify.about_deals: every user's notifications about these deals (a person's
    data export, `crm contact export`; a user who sees every deal only), oldest first."""

    SUBJECT: ClassVar[str] = "crm.query.notify.about_deals"
    deal_ids: list[Id] = Field(min_length=1, max_length=500)
