"""The deal's story (issue 22): a note on a deal, and its timeline as deal-service keeps it
(notes, field changes, stage moves, contact attempts, approval requests), newest first."""

from __future__ import annotations

from typing import Any

from crm_shared.contracts.deal import DealNoted, DealTimeline, NoteDeal
from crm_shared.contracts.envelope import utcnow
from crm_shared.contracts.refusals import ErrorCode, Refused, ok
from crm_shared.contracts.text import utc_text
from deal_service.adapters import repository as repo
from deal_service.adapters import story
from deal_service.domain.access import check_may_see
from deal_service.domain.rules import check_user
from deal_service.handlers.context import Context


async def note_deal(cmd: NoteDeal, ctx: Context) -> dict[str, Any]:
    """Write a note on a deal the actor may see; the deal itself does not change."""
    check_user(ctx.config, cmd.actor_id, "actor_id")
    text = cmd.text.strip()
    if not text:
        raise Refused(ErrorCode.invalid, "text: a note of only spaces is empty")
    at = utcnow()
    async with ctx.uow() as uow:
        deal = await repo.get_deal(uow.conn, cmd.deal_id)
        if deal is None:
            raise Refused(ErrorCode.not_found, f"deal {cmd.deal_id!r} not found", reason="deal")
        check_may_see(ctx.config, deal, cmd.actor_id)
        story.record(uow, deal.id, "note", cmd.actor_id, at, text=text)
        # Activity for whoever watches deals for idleness (the notifier); not the text.
        noted = DealNoted(
            deal_id=deal.id, actor_id=cmd.actor_id, at=at, responsible_id=deal.responsible_id
        )
        uow.emit(noted, subject_id=deal.id)
        await uow.commit()
    return ok(note={"deal_id": deal.id, "at": utc_text(at), "actor_id": cmd.actor_id, "text": text})


async def deal_timeline(q: DealTimeline, ctx: Context) -> dict[str, Any]:
    """A page of the deal's story, newest first, with the time window it covers."""
    async with ctx.uow() as uow:
        deal = await repo.get_deal(uow.conn, q.deal_id)
        if deal is None:
            raise Refused(ErrorCode.not_found, f"deal {q.deal_id!r} not found", reason="deal")
        check_may_see(ctx.config, deal, q.actor_id)
        try:
            items, cursor, until = await story.timeline(uow.conn, q.deal_id, q.limit, q.cursor)
        except ValueError as exc:
            raise Refused(ErrorCode.invalid, str(exc)) from None
    return ok(
        deal_id=q.deal_id,
        items=items,
        next_cursor=cursor,
        until=utc_text(until) if until else None,
        since=items[-1]["at"] if cursor else None,
    )
