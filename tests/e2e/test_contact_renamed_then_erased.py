"""A contact edited into another person, then erased (a helper's review): the open task's
title, made from the template with the first name, kept it after the rename («Пётр Старов.
Уточнить…» on a deal whose contact was now Анна Новикова), and the erasure, which looks for
the current name, left it there. On the real stack: the title follows the rename, and after
the erasure no copy in any service holds either name."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from crm_shared.config import config_from_data
from crm_shared.machinery.db import asyncpg_dsn
from tests.e2e.test_contact_erasure import crm
from tests.notifier_support import MGR, ROP, config_data
from tests.services import running
from tests.support import Client, eventually
from tests.tasks_support import tasks

pytestmark = pytest.mark.usefixtures("notifier_fast")
FIRST, SECOND = "Пётр Старов", "Анна Новикова"
TRACES = """SELECT (SELECT count(*) FROM deal.journal WHERE data::text ~ $1)
                 + (SELECT count(*) FROM deal.deals WHERE deals::text ~ $1)
                 + (SELECT count(*) FROM task.tasks WHERE tasks::text ~ $1)
                 + (SELECT count(*) FROM notifier.deadlines WHERE task::text ~ $1)
                 + (SELECT count(*) FROM notifier.notifications
                    WHERE text ~ $1 OR task::text ~ $1)"""


async def titles(client: Client, deal_id: str) -> list[str]:
    return sorted(t["title"] for t in await tasks(client, deal_id=deal_id))


async def test_a_renamed_contact_erased_leaves_neither_name(clean: Any, client: Client) -> None:
    cfg = config_from_data(config_data(deadline=3600), source="test")
    async with running(clean, "deal-service", "task-service", "notifier", config=cfg):
        made = await client.cmd(
            "deal.create", actor_id=ROP, title="Кирпич", contact={"name": FIRST},
            responsible_id=MGR, amount="15000", requirements="20 поддонов",
        )  # fmt: skip
        assert made["ok"], made
        deal_id, contact_id = made["deal"]["id"], made["deal"]["contact"]["id"]
        moved = await client.cmd("deal.move", actor_id=MGR, deal_id=deal_id, to_stage="PROCESSING")
        assert moved["ok"], moved

        async def titled(name: str) -> bool:
            return any(t.startswith(f"{name}. ") for t in await titles(client, deal_id))

        await eventually(lambda: titled(FIRST))
        renamed = await client.cmd(
            "deal.update", actor_id=MGR, deal_id=deal_id, fields={"contact": {"name": SECOND}}
        )
        assert renamed["ok"], renamed
        await eventually(lambda: titled(SECOND))
        assert not [t for t in await titles(client, deal_id) if FIRST in t]

        done = await crm(clean, ROP, "contact", "erase", "--yes", contact_id)
        assert done.exit_code == 0, done.output
        conn = await asyncpg.connect(asyncpg_dsn(clean.database_url))
        try:

            async def gone() -> bool:
                return await conn.fetchval(TRACES, "Старов|Новикова") == 0

            await eventually(gone)
        finally:
            await conn.close()
