"""A contact erased (contracts.deal.EraseContact): its name and its deal's title replaced
on every task of its deals, open or closed."""

from __future__ import annotations

from collections.abc import Mapping

import asyncpg

from crm_shared.contracts.dto import Deal as DealDTO
from crm_shared.contracts.dto import client_of
from task_service.adapters.repository import task_from_row
from task_service.domain.model import Task
from task_service.settings import SCHEMA


async def erase_copies(
    conn: asyncpg.Connection,
    deals: list[DealDTO],
    before: Mapping[str, tuple[str | None, str | None]] | None = None,
) -> list[Task]:
    """Every task of these deals takes the deal's (erased) title and client, also where
    its title and description (made from the templates) quote them; returns the tasks, as
    they are now. The comments, people's own words, stay.

    `before`: the deal title and client an open task had before this batch, by task id: the
    batch may have written the erased ones into it already (its task changes go first when
    it also opens a task), and the scrub must look for the old ones in its title."""
    old = before or {}
    rows = await conn.fetch(
        f"""UPDATE {SCHEMA}.tasks t SET deal_title = v.title, contact_name = v.name,
                   title = {_scrub("t.title")}, description = {_scrub("t.description")}
            FROM unnest($1::text[], $2::text[], $3::text[]) AS v(deal_id, title, name)
            WHERE t.deal_id = v.deal_id RETURNING t.*""",
        [d.id for d in deals],
        [d.title for d in deals],
        [client_of(d) for d in deals],
        list(old),
        [title for title, _ in old.values()],
        [name for _, name in old.values()],
    )
    return sorted((task_from_row(r) for r in rows), key=lambda t: (t.deal_id, t.id))


def _was(column: str) -> str:
    """The task's `column` (deal_title or contact_name) before this batch: the one `before`
    gives ($4–$6), else the row's (in an UPDATE, `t.<column>` is the value before it)."""
    return f"""coalesce((SELECT o.{column} FROM unnest($4::text[], $5::text[], $6::text[])
                                AS o(id, deal_title, contact_name) WHERE o.id = t.id),
                        t.{column})"""


def _scrub(column: str) -> str:
    """`column` with the task's old deal title, then its old contact name, replaced."""
    inner = (
        f"replace({column}, coalesce(nullif({_was('deal_title')}, ''), chr(1)), "
        "coalesce(v.title, ''))"
    )
    return (
        f"replace({inner}, coalesce(nullif({_was('contact_name')}, ''), chr(1)), "
        "coalesce(v.name, ''))"
    )
