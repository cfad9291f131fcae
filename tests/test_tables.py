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

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, MetaData, Text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import SQLModel

import deal_service.adapters.tables
import notifier.adapters.tables
import task_service.adapters.tables
from crm_shared.db import sqlalchemy_url
from tests.conftest import Infra

SCHEMAS = {
    deal_service.adapters.tables.SCHEMA,
    task_service.adapters.tables.SCHEMA,
    notifier.adapters.tables.SCHEMA,
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
