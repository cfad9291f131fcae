"""A contact erased (contracts.deal.EraseContact): the notifier's copies of its name and
its deal's title replaced, in the inbox's texts and tasks, the watched deadlines and the
stored bodies of webhooks and e-mails."""

from __future__ import annotations

import asyncpg

from crm_shared.contracts.dto import Task
from notifier.settings import SCHEMA

# The names the notifier holds for a deal: in its inbox's and its deadlines' task copies.
_OLD_NAMES = f"""
    SELECT DISTINCT v, is_title FROM (
        SELECT task->>'contact_name' AS v, false AS is_title
          FROM {SCHEMA}.notifications WHERE deal_id = $1
        UNION SELECT task->>'deal_title', true FROM {SCHEMA}.notifications WHERE deal_id = $1
        UNION SELECT task->>'contact_name', false FROM {SCHEMA}.deadlines WHERE deal_id = $1
        UNION SELECT task->>'deal_title', true FROM {SCHEMA}.deadlines WHERE deal_id = $1
    ) s WHERE v IS NOT NULL AND v <> '' AND v <> ALL($2::text[])"""


async def erase_copies(conn: asyncpg.Connection, tasks: list[Task]) -> int:
    """Each task's deal: every old name in a text or body becomes the task's new one, and the
    task copies are replaced; returns how many notifications changed."""
    changed = 0
    for deal_id in sorted({t.deal_id for t in tasks}):
        mine = [t for t in tasks if t.deal_id == deal_id]
        new = mine[0].contact_name or "", mine[0].deal_title or ""
        olds = {r["v"]: r["is_title"] for r in await conn.fetch(_OLD_NAMES, deal_id, list(new))}
        # The longest first, so that a title holding the name is replaced whole.
        for old in sorted(olds, key=len, reverse=True):
            replacement = new[1] if olds[old] else new[0]
            result = await conn.execute(
                f"""UPDATE {SCHEMA}.notifications SET text = replace(text, $2, $3)
                    WHERE deal_id = $1 AND strpos(text, $2) > 0""",
                deal_id,
                old,
                replacement,
            )
            changed += int(result.split()[-1])
            await conn.execute(
                f"""UPDATE {SCHEMA}.deliveries SET payload =
                       convert_to(replace(convert_from(payload, 'UTF8'), $2, $3), 'UTF8')
                    WHERE convert_from(payload, 'UTF8')::jsonb->>'subject' = $1
                      AND strpos(convert_from(payload, 'UTF8'), $2) > 0""",
                deal_id,
                old,
                replacement,
            )
        for task in mine:
            copy = task.model_dump_json()
            await conn.execute(
                f"UPDATE {SCHEMA}.notifications SET task = $2::jsonb WHERE task->>'id' = $1",
                task.id,
                copy,
            )
            await conn.execute(
                f"UPDATE {SCHEMA}.deadlines SET task = $2::jsonb WHERE task_id = $1", task.id, copy
            )
    return changed
