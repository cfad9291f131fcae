"""`crm events tail`'s line for a command or a query on the bus (a request of
contracts.deal, task, notify or analytics): who asks, what, and for which deal, task or
contact, in Russian (a walkthrough saw them as raw JSON). Free text a request carries (a
search, a note, a comment) is left out: the line names the request, not its contents."""

from __future__ import annotations

from typing import Any

from crm_shared.contracts import analytics, deal, notify, task
from crm_shared.contracts.subjects import COMMAND_PREFIX

# What each request asks, by its contract (a unit test holds it to every request there).
ASKS = {
    request.SUBJECT: phrase
    for request, phrase in (
        (deal.DeclineApproval, "отклонить просьбу о переходе"),
        (deal.LogContactAttempt, "записать попытку связаться"),
        (deal.CreateDeal, "создать сделку"),
        (deal.EraseContact, "стереть данные контакта"),
        (deal.ImportDeal, "импортировать сделку"),
        (deal.MoveDeal, "перевести сделку"),
        (deal.NoteDeal, "написать заметку"),
        (deal.UpdateDeal, "изменить сделку"),
        (notify.ReadNotifications, "отметить уведомления прочитанными"),
        (notify.RetryDeliveries, "доставить уведомление снова"),
        (task.CommentTask, "прокомментировать задачу"),
        (task.CompleteTask, "выполнить задачу"),
        (task.CreateTask, "поставить задачу"),
        (task.RescheduleTask, "перенести срок задачи"),
        (analytics.FunnelQuery, "отчёт «воронка»"),
        (analytics.PeriodQuery, "отчёт за период"),
        (deal.GetContact, "страница контакта"),
        (deal.GetDeal, "карточка сделки"),
        (deal.DealHistory, "история стадий сделки"),
        (deal.ImportedDeals, "импортированные сделки"),
        (deal.ListDeals, "список сделок"),
        (deal.PendingApprovals, "просьбы, ждущие РОПа"),
        (deal.TryRules, "проверка правил на прошлых переходах"),
        (deal.SearchDeals, "поиск"),
        (deal.StageTotals, "итоги по стадиям"),
        (deal.DealTimeline, "хроника сделки"),
        (notify.NotificationsAbout, "уведомления о сделках"),
        (notify.ListDeliveries, "доставки уведомлений"),
        (notify.IdleDeals, "застоявшиеся сделки"),
        (notify.IdleThresholds, "пороги простоя"),
        (notify.ListNotifications, "входящие уведомления"),
        (task.TaskComments, "комментарии задачи"),
        (task.ListTasks, "список задач"),
        (task.OverdueTasksQuery, "просрочки по ответственным"),
        (task.TaskTimeline, "задачи сделки в хронике"),
    )
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
