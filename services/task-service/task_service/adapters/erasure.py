"""A contact erased (contracts.deal.EraseContact): its name and its deal's title replaced
on every task of its deals, open or closed."""

from __future__ import annotations

import asyncpg

from crm_shared.contracts.dto import Deal as DealDTO
from crm_shared.contracts.dto import client_of
from task_service.adapters.repository import task_from_row
from task_service.domain.model import Task
from task_service.settings import SCHEMA


async def erase_copies(conn: asyncpg.Connection, deals: list[DealDTO]) -> list[Task]:
    """Every task of these deals takes the deal's (erased) title and client, also where
    its title and description (made from the templates) quote them; returns the tasks, as
    they are now. The comments, people's own words, stay."""
    rows = await conn.fetch(
        f"""UPDATE {SCHEMA}.tasks t SET deal_title = v.title, contact_name = v.name,
                   title = {_scrub("t.title")}, description = {_scrub("t.description")}
            FROM unnest($1::text[], $2::text[], $3::text[]) AS v(deal_id, title, name)
            WHERE t.deal_id = v.deal_id RETURNING t.*""",
        [d.id for d in deals],
        [d.title for d in deals],
        [client_of(d) for d in deals],
    )
    return sorted((task_from_row(r) for r in rows), key=lambda t: (t.deal_id, t.id))


def _scrub(column: str) -> str:
    """`column` with the task's old deal title, then its old contact name, replaced (in an
    UPDATE, `t.deal_title` and `t.contact_name` are the values before it)."""
    inner = f"replace({column}, coalesce(nullif(t.deal_title, ''), chr(1)), coalesce(v.title, ''))"
    return f"replace({inner}, coalesce(nullif(t.contact_name, ''), chr(1)), coalesce(v.name, ''))"
