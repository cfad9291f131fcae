"""SPEC §3 rules 1–2: deal events open, close and reassign tasks, one batch per transaction."""

from __future__ import annotations

from typing import TypeAlias

from crm_shared import inbox
from crm_shared.config import UnknownStage
from crm_shared.consumer import Item
from crm_shared.envelope import utcnow
from crm_shared.events import DealUpdated, StageChanged
from task_service.adapters import repository as repo
from task_service.domain.planning import DealChange, DealTasks, TaskEvent
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
        return DealChange(deal=deal, is_move=True)
    return DealChange(deal=event.deal, is_move=False)


async def apply_deal_events(items: list[Item[DealEvent | None]], ctx: Context) -> None:
    """Apply a batch of deal events in one transaction.

    Events are grouped by deal and applied in version order, so a batch that holds a deal's
    events shuffled still walks through them as they happened; anything not newer than what
    was applied before is ignored. `None` items are deal events task-service does not need.
    """
    relevant = [i for i in items if i.value is not None]
    if not relevant:
        return
    raised: list[TaskEvent] = []
    async with ctx.uow() as uow:
        fresh = await inbox.claim(uow.conn, repo.SCHEMA, CONSUMER, [i.event_id for i in relevant])
        by_deal: dict[str, list[tuple[DealChange, Item[DealEvent | None]]]] = {}
        for item in relevant:
            if item.event_id not in fresh:
                ctx.metrics.duplicates_skipped.labels(CONSUMER).inc()
                continue
            assert item.value is not None
            change = as_change(item.value)
            by_deal.setdefault(change.deal.id, []).append((change, item))
        if not by_deal:
            return
        states = await repo.lock_states(uow.conn, list(by_deal))
        open_tasks = await repo.open_tasks(uow.conn, list(by_deal))
        now = utcnow()
        aggregates: list[DealTasks] = []
        for deal_id in sorted(by_deal):
            agg = DealTasks(states[deal_id], open_tasks.get(deal_id, []))
            for change, item in sorted(by_deal[deal_id], key=lambda ci: ci[0].version):
                try:
                    if not agg.apply(change, ctx.config, now):
                        ctx.metrics.duplicates_skipped.labels(CONSUMER).inc()
                except UnknownStage as exc:
                    item.reject(f"deal {deal_id} v{change.version}: {exc}")
            aggregates.append(agg)
        await repo.save_states(uow.conn, [a.state for a in aggregates])
        # Closing before inserting keeps the one-open-stage-task index satisfied throughout.
        await repo.update_tasks(uow.conn, [t for a in aggregates for t in a.dirty.values()])
        await repo.insert_tasks(uow.conn, [t for a in aggregates for t in a.new.values()])
        for agg in aggregates:
            raised += agg.events
        events.emit(uow, raised)
        await uow.commit()
    events.count(ctx.metrics, raised)
