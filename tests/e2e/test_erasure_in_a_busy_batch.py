"""An erasure that task-service reads in the same batch as another deal's new task: the
batch writes its task changes at once (closing before opening keeps the one-open-stage-task
index), so the erased deal's open task had its deal title and client replaced before the
erasure's scrub, which finds the old name in the task's title by those very columns: the
title kept «Вера Орлова. Уточнить…». On the real services: task-service stopped while the
contact is erased and another lead comes in, then started, so that one batch holds both."""

from __future__ import annotations

from typing import Any

import asyncpg

from crm_shared.config import config_from_data
from crm_shared.machinery.db import asyncpg_dsn
from tests.notifier_support import MGR, ROP, config_data
from tests.services import running
from tests.support import Client, eventually

PERSON = {"name": "Вера Орлова", "phone": "+7 912 555-10-20"}


async def _titles(db: asyncpg.Connection, deal_id: str) -> list[str]:
    rows = await db.fetch("SELECT title FROM task.tasks WHERE deal_id = $1 ORDER BY title", deal_id)
    return [r["title"] for r in rows]


async def test_an_erasure_beside_a_new_task_scrubs_the_titles(clean: Any, client: Client) -> None:
    cfg = config_from_data(config_data(deadline=3600), source="test")
    db = await asyncpg.connect(asyncpg_dsn(clean.database_url))
    try:
        async with running(clean, "deal-service", config=cfg):
            async with running(clean, "task-service", config=cfg):
                made = await client.cmd(
                    "deal.create", actor_id=ROP, title="Поддоны", contact=PERSON,
                    responsible_id=MGR, requirements="200 поддонов",
                )  # fmt: skip
                assert made["ok"], made
                deal_id, contact_id = made["deal"]["id"], made["deal"]["contact"]["id"]
                moved = await client.cmd(
                    "deal.move", actor_id=MGR, deal_id=deal_id, to_stage="PROCESSING"
                )
                assert moved["ok"], moved

                async def opened() -> bool:
                    return any("Вера Орлова." in t for t in await _titles(db, deal_id))

                await eventually(opened, timeout=30)
            # task-service is down: the erasure and another deal wait for it together
            erased = await client.cmd("deal.erase_contact", actor_id=ROP, contact_id=contact_id)
            assert erased["ok"], erased
            other = await client.cmd(
                "deal.create", actor_id=ROP, title="Другая сделка", contact={"name": "Олег"},
                responsible_id=MGR,
            )  # fmt: skip
            assert other["ok"], other
            async with running(clean, "task-service", config=cfg):

                async def both_handled() -> bool:
                    erased_names = await db.fetchval(
                        "SELECT count(*) FROM task.tasks WHERE deal_id = $1 AND contact_name = $2",
                        deal_id, "[удалено]",
                    )  # fmt: skip
                    return bool(erased_names) and bool(await _titles(db, other["deal"]["id"]))

                await eventually(both_handled, timeout=30)
                titles = await _titles(db, deal_id)
        assert titles and not [t for t in titles if "Орлов" in t], titles
    finally:
        await db.close()
