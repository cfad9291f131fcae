"""The body of every service's alembic `env.py`: online migrations on asyncpg.

Each service keeps its tables in its own schema, with its own alembic version table there,
so services migrate independently and never see each other's tables. `run` is given the
service's table declarations (`<service>/adapters/tables.py`) as alembic's target metadata,
so `python -m <service> revision MESSAGE` drafts a migration from them (autogenerate) and
`alembic check` finds what a migration lacks; both see the service's schema only.
"""

from __future__ import annotations

import asyncio
from typing import Any

from alembic import context
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine


def compare_options(schema: str) -> dict[str, Any]:
    """What autogenerate compares: `schema` alone, on both sides (the database has the other
    services' schemas; a process that imported several services' tables has their metadata)."""

    def include_name(name: str | None, type_: str, parent_names: dict[str, Any]) -> bool:
        return name == schema if type_ == "schema" else True

    def include_object(obj: Any, name: str | None, type_: str, *_: Any) -> bool:
        return obj.schema == schema if type_ == "table" else True

    return {
        "include_schemas": True,
        "include_name": include_name,
        "include_object": include_object,
        "compare_type": True,
    }


def run(schema: str, metadata: MetaData) -> None:
    """Run the migrations of `schema` against the URL alembic was configured with, its
    tables as declared in `metadata` the target of autogenerate."""
    url = context.config.get_main_option("sqlalchemy.url")
    assert url, "sqlalchemy.url is not configured"

    def do_run(connection: Connection) -> None:
        connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        context.configure(
            connection=connection,
            target_metadata=metadata,
            version_table_schema=schema,
            **compare_options(schema),
        )
        with context.begin_transaction():
            context.run_migrations()

    async def main() -> None:
        engine = create_async_engine(url)
        async with engine.begin() as conn:
            await conn.run_sync(do_run)
        await engine.dispose()

    asyncio.run(main())
