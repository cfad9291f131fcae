"""A lead's rows that carry the stage's instruction are stored as they are (issue 25).

The NEW_LEAD instruction is about 2 KB of Cyrillic in UTF-8; PostgreSQL compresses a value
of a row over about 2 KB at every insert unless the table says otherwise, and that was
about a fifth of its statement time per lead (`db.stored_as_is`). The outbox's rows go
within a second, so for them the table's setting is what is checked.
"""

from __future__ import annotations

from typing import Any

import asyncpg

from crm_shared.machinery.db import asyncpg_dsn
from tests.services import running
from tests.support import Client, eventually

_STORED = {
    "task.tasks": "description",
    "notifier.deadlines": "task::text",
    "notifier.notifications": "task::text",
}
_AS_IS = [*_STORED, "deal.outbox", "task.outbox", "notifier.outbox", "notifier.deliveries"]


async def test_the_instruction_is_not_compressed_on_the_way(clean: Any, client: Client) -> None:
    conn = await asyncpg.connect(asyncpg_dsn(clean.database_url))
    try:
        async with running(clean, "deal-service", "task-service", "notifier"):
            await client.publish_lead(contact={"name": "Ольга", "phone": "+7 912 000-00-02"})
            await eventually(lambda: conn.fetchval("SELECT count(*) FROM notifier.notifications"))
        for table, value in _STORED.items():
            column = value.split("::")[0]
            row = await conn.fetchrow(
                f"SELECT octet_length({value}) AS size, pg_column_compression({column}) AS how"
                f" FROM {table}"
            )
            assert row is not None, table
            assert row["size"] > 1900, (table, row["size"])  # the instruction is in it
            assert row["how"] is None, (table, row["how"])  # stored as it is
        for table in _AS_IS:
            options = await conn.fetchval(
                "SELECT reloptions FROM pg_class WHERE oid = $1::regclass", table
            )
            assert "toast_tuple_target=8160" in (options or []), (table, options)
    finally:
        await conn.close()
