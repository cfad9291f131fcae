"""Each service's SQLModel tables (`<service>/adapters/tables.py`) are the migrated schema.

alembic's `compare_metadata` reads the database the migrations made (the suite's, with every
service migrated) and lists every difference from the declared metadata: a table, column,
type, nullability, index (columns, their order and direction, uniqueness), unique constraint
or foreign key that one side has and the other has not. The list must be empty, so a
migration without its table change (or the reverse) fails here. alembic does not compare
server defaults, CHECK constraints, the WHERE and INCLUDE of partial and covering indexes,
triggers or sequences; the declarations carry them all the same, for autogenerate.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, MetaData, Text, bindparam
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import SQLModel, select

import deal_service.adapters.tables
import gateway.adapters.tables
import notifier.adapters.tables
import task_service.adapters.tables
from crm_shared.machinery.db import asyncpg_dsn, sqlalchemy_url
from crm_shared.machinery.tables import Query, const
from deal_service.adapters import contacts as deal_contacts
from deal_service.domain.contacts import Contact
from notifier.adapters import deliveries
from task_service.adapters import reads as task_reads
from task_service.adapters.tables import TaskRow
from tests.conftest import Infra

SCHEMAS = {
    deal_service.adapters.tables.SCHEMA,
    task_service.adapters.tables.SCHEMA,
    notifier.adapters.tables.SCHEMA,
    gateway.adapters.tables.SCHEMA,
}


def _ours(name: str | None, type_: str, parent_names: dict[str, Any]) -> bool:
    """The services' schemas, less alembic's own version tables."""
    if type_ == "schema":
        return name in SCHEMAS
    if type_ == "table":
        return name != "alembic_version"
    return True


async def _drift(infra: Infra, metadata: MetaData) -> list[Any]:
    def compare(conn: Connection) -> list[Any]:
        context = MigrationContext.configure(
            conn, opts={"include_schemas": True, "include_name": _ours, "compare_type": True}
        )
        return list(compare_metadata(context, metadata))

    engine = create_async_engine(sqlalchemy_url(infra.database_url))
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(compare)
    finally:
        await engine.dispose()


async def test_tables_are_the_migrated_schema(infra: Infra) -> None:
    tables = {t.fullname for t in SQLModel.metadata.tables.values()}
    assert {"deal.deals", "task.tasks", "notifier.notifications", "task.outbox"} <= tables
    assert await _drift(infra, SQLModel.metadata) == []


async def test_a_column_the_migrations_lack_is_drift(infra: Infra) -> None:
    """The comparison does see a difference: one column more than the database has."""
    metadata = MetaData()
    for table in SQLModel.metadata.tables.values():
        table.to_metadata(metadata)
    metadata.tables["task.tasks"].append_column(Column("priority", Text))
    metadata.remove(metadata.tables["notifier.disabled_endpoints"])

    diff = await _drift(infra, metadata)

    assert sorted(d[0] for d in diff) == ["add_column", "remove_table"]


async def test_the_typed_read_paths_on_the_migrated_schema(clean: Infra) -> None:
    """One read per service is a `select(...)` over its table classes, run on asyncpg."""
    conn = await asyncpg.connect(asyncpg_dsn(clean.database_url))
    try:
        await conn.execute(
            """INSERT INTO deal.contacts (id, name, phone, email, pays_by, segment)
               VALUES ('c1', 'Анна', '+79990001122', 'a@example.com', 'card', 'b2b')"""
        )
        assert await deal_contacts.get_contact(conn, "c1") == Contact(
            id="c1",
            name="Анна",
            phone="+79990001122",
            email="a@example.com",
            pays_by="card",
            segment="b2b",
        )
        assert await deal_contacts.get_contact(conn, "c2") is None

        past, future = datetime.now(UTC) - timedelta(hours=1), datetime.now(UTC) + timedelta(1)
        tasks = [  # id, stage, responsible, deadline, status
            ("t1", "NEW_LEAD", "m1", past, "open"),
            ("t2", "NEW_LEAD", "m2", future, "open"),
            ("t3", None, "rop", past, "open"),
            ("t4", "NEW_LEAD", "m1", past, "closed"),
        ]
        for n, (task_id, stage, responsible, deadline, status) in enumerate(tasks):
            await conn.execute(
                """INSERT INTO task.tasks (id, deal_id, stage, title, responsible_id, deadline,
                       opened_at, deal_version, status, close_reason, closed_at)
                   VALUES ($1, $2, $3, 'x', $4, $5, now(), 1, $6,
                           CASE WHEN $6 = 'closed' THEN 'completed' END,
                           CASE WHEN $6 = 'closed' THEN now() END)""",
                task_id,
                f"d{n}",
                stage,
                responsible,
                deadline,
                status,
            )
        assert await task_reads.count_open_by_stage(conn) == {"NEW_LEAD": 2, None: 1}
        assert await task_reads.count_overdue_open(conn) == {"m1": 1, "rop": 1}

        for n, status in enumerate(["pending", "pending", "failed", "delivered"]):
            await conn.execute(
                """INSERT INTO notifier.deliveries (id, channel, user_id, kind, target, payload,
                       status) VALUES ($1, 'webhook', 'u', 'k', 'http://x', '\\x00', $2)""",
                f"w{n}",
                status,
            )
        assert await deliveries.count_pending(conn) == 2
        assert await deliveries.count_failed(conn) == 1
    finally:
        await conn.close()


def test_a_compiled_read_keeps_its_constants_in_the_sql() -> None:
    """`status = 'open'` written out, so that the partial indexes serve prepared statements;
    parameters by name, all of them."""
    query = Query.of(
        select(TaskRow.id).where(
            TaskRow.status == const("op'en"), TaskRow.deal_id == bindparam("d")
        )
    )
    assert "task.tasks.status = 'op''en'" in query.sql and "$1" in query.sql
    assert query.args(d="x") == ["x"]
    with pytest.raises(TypeError):
        query.args()
