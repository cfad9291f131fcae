"""`crm events tail`'s line for a command or a query on the bus (crm.cmd.*, crm.query.*):
who asks, what, and for which deal, task or contact, in Russian (a walkthrough saw them as
raw JSON). Free text a request carries (a search, a note, a comment) is left out: the line
names the request, not its contents."""

from __future__ import annotations

from typing import Any

from crm_shared.contracts.subjects import COMMAND_PREFIX

# What each request asks, by subject (a unit test holds it to every request of the contracts).
ASKS = {
    "crm.cmd.deal.approval.decline": "отклонить просьбу о переходе",
    "crm.cmd.deal.contact_attempt": "записать попытку связаться",
    "crm.cmd.deal.create": "создать сделку",
    "crm.cmd.deal.erase_contact": "стереть данные контакта",
    "crm.cmd.deal.import": "импортировать сделку",
    "crm.cmd.deal.move": "перевести сделку",
    "crm.cmd.deal.note": "написать заметку",
    "crm.cmd.deal.update": "изменить сделку",
    "crm.cmd.notify.read": "отметить уведомления прочитанными",
    "crm.cmd.notify.retry": "доставить уведомление снова",
    "crm.cmd.task.comment": "прокомментировать задачу",
    "crm.cmd.task.complete": "выполнить задачу",
    "crm.cmd.task.create": "поставить задачу",
    "crm.cmd.task.reschedule": "перенести срок задачи",
    "crm.query.analytics.funnel": "отчёт «воронка»",
    "crm.query.analytics.period": "отчёт за период",
    "crm.query.deal.contact": "страница контакта",
    "crm.query.deal.get": "карточка сделки",
    "crm.query.deal.history": "история стадий сделки",
    "crm.query.deal.imported": "импортированные сделки",
    "crm.query.deal.list": "список сделок",
    "crm.query.deal.pending_approvals": "просьбы, ждущие РОПа",
    "crm.query.deal.rules_try": "проверка правил на прошлых переходах",
    "crm.query.deal.search": "поиск",
    "crm.query.deal.stage_totals": "итоги по стадиям",
    "crm.query.deal.timeline": "хроника сделки",
    "crm.query.notify.about_deals": "уведомления о сделках",
    "crm.query.notify.deliveries": "доставки уведомлений",
    "crm.query.notify.idle_deals": "застоявшиеся сделки",
    "crm.query.notify.idle_thresholds": "пороги простоя",
    "crm.query.notify.list": "входящие уведомления",
    "crm.query.task.comments": "комментарии задачи",
    "crm.query.task.list": "список задач",
    "crm.query.task.overdue_by_responsible": "просрочки по ответственным",
    "crm.query.task.timeline": "задачи сделки в хронике",
}
# The ids a request may name, and how the line calls them.
_NAMED = (("deal_id", "сделка"), ("task_id", "задача"), ("contact_id", "контакт"))


def said(subject: str, body: dict[str, Any], stage_name: Any) -> str:
    """`mgr-1: перевести сделку, сделка d-1 → «Согласование»`; `stage_name(code)` names a
    stage. A request this build does not know is called by its subject."""
    kind = "команда" if subject.startswith(COMMAND_PREFIX) else "запрос"
    what = ASKS.get(subject) or f"{kind} {subject.split('.', 2)[-1]}"
    line = ", ".join([what, *(f"{name} {body[key]}" for key, name in _NAMED if body.get(key))])
    if body.get("to_stage"):
        line += f" → «{stage_name(body['to_stage'])}»"
    return f"{body['actor_id']}: {line}" if body.get("actor_id") else line
