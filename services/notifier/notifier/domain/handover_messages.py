"""What the notifier tells when a deal changes hands (its responsible changed, DealUpdated):
the new responsible hears the deal is theirs now, with the open tasks that came along
(deal_received), the previous one that it was given to another (deal_handed_over). Once per
change, whatever the number of tasks; never to whoever made the change (a РОП who takes a
deal or gives away their own knows it). Pure functions."""

from __future__ import annotations

from collections.abc import Mapping

from crm_shared.config import NotificationTemplates
from crm_shared.contracts.deal import DealUpdated
from crm_shared.contracts.dto import client_of
from crm_shared.contracts.notify import NoticeKind, Notification
from notifier.domain.messages import render

NOBODY = "не назначен"


def is_handover(event: DealUpdated) -> bool:
    """The deal's responsible changed (an erasure or a contact's change never says so)."""
    new, previous = event.deal.responsible_id, event.previous_responsible_id
    return "responsible_id" in event.changed and not event.erased and new != previous


def handover_notifications(
    event: DealUpdated,
    open_tasks: int,
    stage_name: str,
    names: Mapping[str, str],
    templates: NotificationTemplates,
) -> list[Notification]:
    """The new responsible's deal_received and the previous one's deal_handed_over (each
    only where there is one and not the event's actor); none when the responsible did not
    change. `open_tasks`: the deal's open tasks, which follow the deal to its new
    responsible."""
    if not is_handover(event):
        return []
    deal = event.deal
    new, previous = deal.responsible_id, event.previous_responsible_id
    values = {
        "deal": deal.title or "без названия",
        "contact": client_of(deal) or "контакт не указан",
        "manager": names.get(new, new) if new else NOBODY,
        "stage": stage_name,
        "previous": names.get(previous, previous) if previous else NOBODY,
        "count": str(open_tasks),
    }
    told = [
        (new, NoticeKind.deal_received, templates.deal_received),
        (previous, NoticeKind.deal_handed_over, templates.deal_handed_over),
    ]
    return [
        Notification(kind=kind, text=render(template, values), deal_id=deal.id, user_id=user)
        for user, kind, template in told
        if user is not None and user != event.actor_id
    ]
