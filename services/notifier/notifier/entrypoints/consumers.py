"""Event consumers of the notifier: task events, refused moves, the РОП's answers to
requests (declined, granted) and the deal events (idle watch, handovers), from CRM_EVENTS."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from crm_shared.contracts.deal import (
    ApprovalDeclined,
    ApprovalGranted,
    DealNoted,
    DealUpdated,
    IdleThresholdsSet,
    MoveRejected,
    StageChanged,
)
from crm_shared.contracts.task import TaskClosed, TaskCommented, TaskOpened, TaskUpdated
from crm_shared.machinery.consumer import BatchConsumer, Item
from crm_shared.machinery.parsing import parse_event
from notifier.handlers.context import Context
from notifier.handlers.declines import CONSUMER as DECLINES
from notifier.handlers.declines import GRANTED, notify_answers
from notifier.handlers.idle import CONSUMER as DEALS
from notifier.handlers.idle import DealStreamEvent, record_deal_events
from notifier.handlers.rejections import CONSUMER as REJECTIONS
from notifier.handlers.rejections import notify_move_rejections
from notifier.handlers.tasks import CONSUMER as TASKS
from notifier.handlers.tasks import TaskEvent, record_task_events
from notifier.settings import NAME

STREAM = "CRM_EVENTS"
# What the task consumer takes, by subject: its parser and the document read it.
TASK_EVENTS: dict[str, type[TaskOpened | TaskUpdated | TaskClosed | TaskCommented]] = {
    e.SUBJECT: e for e in (TaskOpened, TaskUpdated, TaskClosed, TaskCommented)
}

# What the deal consumer takes (the idle watch's activity and thresholds, the deals that
# changed hands), by subject.
DEAL_EVENTS: dict[str, type[StageChanged | DealUpdated | DealNoted | IdleThresholdsSet]] = {
    e.SUBJECT: e for e in (StageChanged, DealUpdated, DealNoted, IdleThresholdsSet)
}


def parse_task_event(msg: Msg) -> tuple[str, TaskEvent]:
    """TaskOpened, TaskUpdated, TaskClosed or TaskCommented by subject; anything else under
    crm.task (our own crm.task.overdue among them) is acknowledged and ignored."""
    model = TASK_EVENTS.get(msg.subject)
    if model is None:
        return "", None
    return parse_event(msg, model)


def task_consumer(
    nc: Client, js: JetStreamContext, ctx: Context, batch_size: int
) -> BatchConsumer[TaskEvent]:
    """One durable consumer on crm.task.> (one stream position for all of a task's events,
    so they are handled in the order they were published); replicas share it."""

    async def handle(items: list[Item[TaskEvent]]) -> None:
        await record_task_events(items, ctx)

    return BatchConsumer(
        nc,
        js,
        service=NAME,
        stream=STREAM,
        durable=TASKS,
        subject="crm.task.>",
        parse=parse_task_event,
        handle=handle,
        metrics=ctx.metrics,
        batch_size=batch_size,
    )


One = TypeVar("One", MoveRejected, ApprovalDeclined, ApprovalGranted)


def _of_one_event(
    nc: Client,
    js: JetStreamContext,
    ctx: Context,
    batch_size: int,
    event: type[One],
    durable: str,
    handle: Callable[[list[Item[One]]], Awaitable[None]],
) -> BatchConsumer[One]:
    """The durable consumer of one kind of event, by its subject; replicas share it."""

    def parse(msg: Msg) -> tuple[str, One]:
        return parse_event(msg, event)

    return BatchConsumer(
        nc,
        js,
        service=NAME,
        stream=STREAM,
        durable=durable,
        subject=event.SUBJECT,
        parse=parse,
        handle=handle,
        metrics=ctx.metrics,
        batch_size=batch_size,
    )


def move_rejected_consumer(
    nc: Client, js: JetStreamContext, ctx: Context, batch_size: int
) -> BatchConsumer[MoveRejected]:
    """The durable consumer of refused moves."""

    async def handle(items: list[Item[MoveRejected]]) -> None:
        await notify_move_rejections(items, ctx)

    return _of_one_event(nc, js, ctx, batch_size, MoveRejected, REJECTIONS, handle)


def approval_consumers(
    nc: Client, js: JetStreamContext, ctx: Context, batch_size: int
) -> list[BatchConsumer[Any]]:
    """The durable consumers of the РОП's answers, declined and granted."""

    async def declined(items: list[Item[ApprovalDeclined]]) -> None:
        await notify_answers(items, ctx, DECLINES)

    async def granted(items: list[Item[ApprovalGranted]]) -> None:
        await notify_answers(items, ctx, GRANTED)

    return [
        _of_one_event(nc, js, ctx, batch_size, ApprovalDeclined, DECLINES, declined),
        _of_one_event(nc, js, ctx, batch_size, ApprovalGranted, GRANTED, granted),
    ]


def parse_deal_event(msg: Msg) -> tuple[str, DealStreamEvent]:
    """A deal event of DEAL_EVENTS by subject (the consumer's filter lets no other in)."""
    model = DEAL_EVENTS.get(msg.subject)
    if model is None:
        return "", None
    return parse_event(msg, model)


def deal_consumer(
    nc: Client, js: JetStreamContext, ctx: Context, batch_size: int
) -> BatchConsumer[DealStreamEvent]:
    """The durable consumer of the deal events the idle watch needs, and the handovers
    (DealUpdated naming "responsible_id"); replicas share it."""

    async def handle(items: list[Item[DealStreamEvent]]) -> None:
        await record_deal_events(items, ctx)

    return BatchConsumer(
        nc,
        js,
        service=NAME,
        stream=STREAM,
        durable=DEALS,
        subject="crm.deal.>",
        parse=parse_deal_event,
        handle=handle,
        metrics=ctx.metrics,
        batch_size=batch_size,
        filter_subjects=sorted(DEAL_EVENTS),
    )
