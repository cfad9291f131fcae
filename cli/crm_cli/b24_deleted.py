"""The deals imported from Bitrix24 that its portal no longer has: deleted there.

Never deleted here (their history, tasks and notes are real work): the report names them.
Every run reads all of the portal's deals, so it knows every id the portal has; a deal here
with source `bitrix24` whose id is not among them is asked for once more, by id alone
(`crm.deal.list` filtered by `@ID`, `select: ["ID"]`, 50 ids a request, at the same rate),
so that a deal that the portal's paging skipped (another deleted while it was read shifts
its pages) is not called deleted. A saved folder cannot be asked again: its deals count
only when its saved pages hold all of them (as many as their `total` says).
"""

from __future__ import annotations

from typing import Any

from crm_cli.b24_mapping import SOURCE
from crm_cli.b24_portal import PAGE, Source
from crm_cli.bus import Bus
from crm_shared.contracts.deal import ImportedDeal, ImportedDeals

PREFIX = "deal-"


async def held(bus: Bus, actor: str) -> list[ImportedDeal]:
    """Every deal here imported from Bitrix24 (deal-service's pages, in order)."""
    found: list[ImportedDeal] = []
    after: str | None = None
    while True:
        page = await bus.ask(ImportedDeals(actor_id=actor, source=SOURCE, after=after))
        found += page.items
        if page.next_after is None:
            return found
        after = page.next_after


async def still_there(source: Source, ids: list[str]) -> set[str]:
    """Those of the portal's deal `ids` it lists when asked for them by id alone."""
    there: set[str] = set()
    for i in range(0, len(ids), PAGE):
        chunk = ids[i : i + PAGE]
        params = {"filter": {"@ID": chunk}, "select": ["ID"]}
        async for row in source.rows("crm.deal.list", params):
            if isinstance(row, dict) and str(row.get("ID")) in chunk:
                there.add(str(row.get("ID")))
    return there


async def deleted(
    bus: Bus, source: Source, deals: list[dict[str, Any]], actor: str
) -> dict[str, dict[str, Any]]:
    """The deals here whose Bitrix24 deal the portal no longer has, by external id: their
    id here, title and stage."""
    listed = {f"{PREFIX}{d.get('ID')}" for d in deals}
    gone = {
        deal.external_id: deal
        for deal in await held(bus, actor)
        if deal.external_id.startswith(PREFIX) and deal.external_id not in listed
    }
    if not gone:
        return {}
    ids = [key.removeprefix(PREFIX) for key in gone]
    for id_ in await still_there(source, ids):
        gone.pop(f"{PREFIX}{id_}", None)
    return {
        key: {"deal_id": deal.deal_id, "title": deal.title, "stage": deal.stage}
        for key, deal in sorted(gone.items(), key=lambda kv: _order(kv[0]))
    }


def _order(key: str) -> tuple[int, str]:
    """Bitrix24's ids are numbers: deal-9 before deal-10."""
    id_ = key.removeprefix(PREFIX)
    return (int(id_), "") if id_.isdigit() else (1 << 62, id_)
