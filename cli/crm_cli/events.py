"""`crm events tail`: every message under crm.> as one readable line, live."""

from __future__ import annotations

import asyncio
import contextlib
import json
from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from nats.aio.msg import Msg
from rich.text import Text

from crm_cli.bus import connected
from crm_cli.requests_said import said
from crm_cli.ui import config, err, options, out, run, stage_name, zone
from crm_shared.contracts.subjects import COMMAND_PREFIX, QUERY_PREFIX
from crm_shared.locale import duration, say, task_status, word
from crm_shared.locale.catalogue import STORY_FIELD_NAMES
from crm_shared.locale.catalogue import field_names as named
from crm_shared.locale.words import NOTICE_KINDS, count
from crm_shared.machinery.redact import mask_url

app = typer.Typer(help="События: смотреть шину.")


@app.command()
def tail(
    ctx: typer.Context,
    subject: Annotated[str, typer.Option(help="Фильтр тем (шаблоны NATS).")] = "crm.>",
    count: Annotated[int | None, typer.Option(help="Остановиться после стольких.")] = None,
    timeout: Annotated[
        float | None, typer.Option(help="Остановиться через столько секунд.")
    ] = None,
) -> None:
    """Печатать каждое событие (и команду или запрос) по мере прохождения; Ctrl-C — стоп."""
    opts = options(ctx)

    async def main() -> None:
        done = asyncio.Event()
        seen = 0
        console = out()

        async def on_message(msg: Msg) -> None:
            nonlocal seen
            if count is not None and seen >= count:
                return
            seen += 1
            if opts.json:
                console.print_json(json.dumps({"subject": msg.subject, "body": _body(msg)}))
            else:
                console.print(line(msg.subject, _body(msg)), soft_wrap=True)
            if count is not None and seen >= count:
                done.set()

        async with connected(opts.nats_url) as bus:
            # Core NATS, not JetStream: what passes from now on, events and requests alike,
            # with no consumer left behind on the server.
            await bus.nc.subscribe(subject, cb=on_message)
            await bus.nc.flush()
            err().print(f"слушаю {subject} на {mask_url(opts.nats_url)} (Ctrl-C — стоп)")
            with contextlib.suppress(TimeoutError):  # --timeout ends the tail quietly
                await asyncio.wait_for(done.wait(), timeout)
        err().print(f"сообщений: {seen}")

    run(main())


def _body(msg: Msg) -> Any:
    try:
        return json.loads(msg.data)
    except ValueError:
        return msg.data.decode(errors="replace")


def line(subject: str, body: Any) -> Text:
    """`12:03:04 crm.deal.stage_changed  d-1: «Новый лид» → «Обрабатываем запрос», mgr-1`."""
    event = isinstance(body, dict) and "specversion" in body
    data = body.get("data") if event else body
    at = datetime.now(UTC)
    if event and body.get("time"):  # when it happened, not when it reached us
        at = datetime.fromisoformat(body["time"])
    stamp = at.astimezone(zone()).strftime("%H:%M:%S")  # on the reader's clock
    text = Text(f"{stamp} ", style="dim")
    text.append(f"{subject:<28}", style=_style(subject))
    text.append(" " + summary(subject, data))
    return text


def _style(subject: str) -> str:
    if subject.startswith((COMMAND_PREFIX, QUERY_PREFIX)):
        return "dim cyan"
    if "rejected" in subject or "overdue" in subject or subject.startswith("crm.dlq."):
        return "red"
    return "green" if subject.startswith("crm.deal.") else "cyan"


_TASK_EVENTS = {
    "opened": "открыта",
    "closed": "закрыта",
    "updated": "изменена",
    "overdue": "просрочена",
    "commented": "прокомментирована",
}


# What a DealUpdated may name as changed: the story's fields, and the lead's comment (an
# erasure's).
_CHANGED = {**STORY_FIELD_NAMES, "comment": "Комментарий лида"}


def summary(subject: str, data: Any) -> str:
    """What happened, in a few words, from an event's data (or a request's body)."""
    if not isinstance(data, dict):
        return str(data)[:200]
    deal = data.get("deal") or {}
    task = data.get("task") or {}
    if subject == "crm.lead.received":
        contact = data.get("contact") or {}
        return f"лид {data.get('source')}/{data.get('external_id')}: {contact.get('name')}"
    if subject == "crm.deal.created":
        return (
            f"{deal.get('id')}: новая сделка «{stage_name(deal.get('stage'))}»,"
            f" ответственный {deal.get('responsible_id')}"
        )
    if subject == "crm.deal.updated":
        changed = named(data.get("changed", []), _CHANGED)
        return f"{deal.get('id')} версия {deal.get('version')}: {changed}"
    if subject == "crm.deal.noted":
        return f"{data.get('deal_id')}: заметка, {data.get('actor_id')}"
    if subject == "crm.deal.contact_erased":
        deals = count(len(data.get("deal_ids") or []), "сделка", "сделки", "сделок")
        return f"контакт {data.get('contact_id')} стёрт ({data.get('erased_by')}): {deals}"
    if subject == "crm.deal.stage_changed":
        to = f"«{stage_name(data.get('to_stage'))}»"
        moved = (
            f"«{stage_name(data['from_stage'])}» → {to}"
            if data.get("from_stage")
            else f"вошла в {to}"
        )
        by = f", {data['actor_id']}" if data.get("actor_id") else ""
        return f"{data.get('deal_id')}: {moved}{by} (версия {data.get('version')})"
    if subject == "crm.deal.move_rejected":
        error = data.get("error") or {}
        why = say(error, {stage.code: stage.name for stage in config().stages})
        return f"{data.get('deal_id')}: отказ → «{stage_name(data.get('to_stage'))}»: {why}"
    if subject.startswith("crm.task."):
        what = subject.removeprefix("crm.task.")
        extra = ""
        if what == "overdue":
            extra = f", просрочена на {duration(int(data.get('overdue_seconds', 0)))}"
        elif what == "closed":
            extra = f" ({task_status('closed', task.get('close_reason'))})"
        return (
            f"задача {task.get('id')} {_TASK_EVENTS.get(what, what)}: «{task.get('title')}»,"
            f" сделка {task.get('deal_id')}, ответственный {task.get('responsible_id')}{extra}"
        )
    if subject.startswith("crm.notify.") and subject.endswith(".read") and "ids" in data:
        read = f"{data.get('user_id')}: прочитано уведомлений: {len(data['ids'] or [])}"
        if data.get("deal_id"):  # settled: NotificationsRead's reason
            return f"{read} (сделка {data['deal_id']} дошла до стадии, куда переход был отклонён)"
        return read
    if subject.startswith("crm.notify."):
        return f"{word(NOTICE_KINDS, data.get('kind'))}: {data.get('text')}"
    if subject.startswith("crm.dlq."):
        return f"недоставленное из {data.get('original_subject')}: {data.get('reason')}"
    if subject.startswith((COMMAND_PREFIX, QUERY_PREFIX)):
        return said(subject, data, stage_name)
    return json.dumps(data, ensure_ascii=False)[:200]
