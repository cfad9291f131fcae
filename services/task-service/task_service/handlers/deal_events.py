"""SPEC §3 rules 1–2: deal events open, close and reassign tasks, one batch per transaction."""

from __future__ import annotations

from typing import TypeAlias

from crm_shared.config import UnknownStage
from crm_shared.contracts.deal import DealUpdated, StageChanged
from crm_shared.contracts.dto import Deal as DealDTO
from crm_shared.contracts.envelope import utcnow
from crm_shared.contracts.task import TaskUpdated
from crm_shared.machinery.consumer import Item
from crm_shared.machinery.outbox import UnitOfWork
from task_service.adapters import erasure
from task_service.adapters import repository as repo
from task_service.domain.planning import DealChange, DealTasks, Reassigned, TaskEvent
from task_service.handlers import events
from task_service.handlers.context import Context

CONSUMER = "task-service-deals"

DealEvent: TypeAlias = StageChanged | DealUpdated


def as_change(event: DealEvent) -> DealChange:
    """Read a deal event as the deal's snapshot at its version."""
    if isinstance(event, StageChanged):
        deal = event.deal
        if (deal.version, deal.stage) != (event.version, event.to_stage):
            # The explicit fields are the contract (SPEC §5); the snapshot must agree.
            deal = deal.model_copy(update={"version": event.version, "stage": event.to_stage})
        return DealChange(deal=deal, is_move=True, imported=event.imported)
    return DealChange(deal=event.deal, is_move=False)


def _said_by_the_erasure(event: TaskEvent, erasing: set[str]) -> bool:
    """A rename of an erased deal's task (its deal title and client, nothing else): the
    erasure's own TaskUpdated says it, with the title scrubbed; this one would still carry
    the person's name in the title."""
    return (
        isinstance(event, Reassigned)
        and event.task.deal_id in erasing
        and set(event.changed) <= {"deal_title", "contact_name"}
    )


def _erases(item: Item[DealEvent]) -> bool:
    return isinstance(item.value, DealUpdated) and item.value.erased


async def _erase(
    uow: UnitOfWork, deals: list[DealDTO], before: dict[str, tuple[str | None, str | None]]
) -> None:
    """A contact erased: every task of its deals, closed ones too, takes the erased names,
    and the notifier hears of each (TaskUpdated, `erased`). `before`: the names the open
    tasks had before this batch changed them (`erasure.erase_copies`)."""
    if not deals:
        return
    for task in await erasure.erase_copies(uow.conn, deals, before):
        event = TaskUpdated(task=task.to_dto(), changed=["deal_title", "contact_name"], erased=True)
        uow.emit(event, subject_id=task.deal_id)


async def apply_deal_events(items: list[Item[DealEvent]], ctx: Context) -> None:
    """Apply a batch of deal events in one transaction.

    Events are grouped by deal and applied in version order, so a batch that holds a deal's
    events shuffled still walks through them as they happened; anything not newer than what
    was applied before is ignored.
    """
    if not items:
        return
    raised: list[TaskEvent] = []
    changes = [(as_change(i.value), i) for i in items]
    async with ctx.uow() as uow:
        read = await repo.read_batch(
            uow.conn,
            CONSUMER,
            [i.event_id for i in items],
            [change.deal.id for change, _ in changes],
        )
        by_deal: dict[str, list[tuple[DealChange, Item[DealEvent]]]] = {}
        for change, item in changes:
            if item.event_id not in read.fresh:
                ctx.metrics.duplicates_skipped.labels(CONSUMER).inc()
                continue
            by_deal.setdefault(change.deal.id, []).append((change, item))
        if not by_deal:
            return
        now = utcnow()
        erasing = {c.deal.id for ci in by_deal.values() for c, i in ci if _erases(i)}
        before = {  # taken before the batch's changes rename them
            t.id: (t.deal_title, t.contact_name)
            for deal_id in erasing
            for t in read.open_tasks.get(deal_id, [])
        }
        aggregates: list[DealTasks] = []
        for deal_id in sorted(by_deal):
            agg = DealTasks(read.states[deal_id], read.open_tasks.get(deal_id, []))
            for change, item in sorted(by_deal[deal_id], key=lambda ci: ci[0].version):
                try:
                    if not agg.apply(change, ctx.config, now):
                        ctx.metrics.duplicates_skipped.labels(CONSUMER).inc()
                except UnknownStage as exc:
                    item.reject(f"deal {deal_id} v{change.version}: {exc}")
            aggregates.append(agg)
        repo.save_states(uow, [a.state for a in aggregates])
        closing = [t for a in aggregates for t in a.dirty.values()]
        opening = [t for a in aggregates for t in a.new.values()]
        if closing and opening:
            # Closing before inserting keeps the one-open-stage-task index satisfied
            # throughout; deferred writes run in no set order, so this one goes now.
            await repo.update_tasks(uow.conn, closing)
        else:
            repo.update_tasks_at_commit(uow, closing)
        repo.insert_tasks(uow, opening)
        for agg in aggregates:
            raised += agg.events
        events.emit(uow, [e for e in raised if not _said_by_the_erasure(e, erasing)])
        await _erase(uow, [c.deal for ci in by_deal.values() for c, i in ci if _erases(i)], before)
        await uow.commit()
    events.count(ctx.metrics, raised)
