"""The tables every service keeps in its own schema: outbox, inbox, handled requests.

Each service's `adapters/tables.py` declares its own tables as SQLModel classes and calls
`shared_tables` for these three, so that the metadata of a service is its whole schema as
the migrations make it (tests/integration/test_tables.py compares the two).
They are plain SQLAlchemy tables, not SQLModel classes: the same three tables exist once per
schema, and nothing reads them as objects (the outbox relay and the inbox claim are hot
batched writes, in asyncpg). `Query` compiles a typed read path for asyncpg.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    literal_column,
    text,
)
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ClauseElement, ColumnElement

NOW = text("now()")
_ASYNCPG = asyncpg_dialect()


def shared_tables(metadata: MetaData, schema: str) -> dict[str, Table]:
    """Outbox (crm_shared.machinery.outbox), inbox (crm_shared.machinery.inbox), handled requests
    (crm_shared.machinery.requests) of `schema`, added to `metadata`."""
    outbox = Table(
        "outbox",
        metadata,
        Column("id", BigInteger, primary_key=True, autoincrement=True),
        Column("event_id", Text, nullable=False),
        Column("subject", Text, nullable=False),
        Column("payload", LargeBinary, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=NOW),
        Column("attempts", Integer, nullable=False, server_default=text("0")),
        Column("last_error", Text),
        UniqueConstraint("event_id", name="outbox_event_id_key"),
        schema=schema,
    )
    inbox = Table(
        "inbox",
        metadata,
        Column("consumer", Text, primary_key=True),
        Column("event_id", Text, primary_key=True),
        Column("received_at", DateTime(timezone=True), nullable=False, server_default=NOW),
        Index("inbox_received_at", "received_at", postgresql_using="brin"),
        schema=schema,
    )
    handled = Table(
        "handled_requests",
        metadata,
        Column("actor_id", Text, primary_key=True),
        Column("request_id", Text, primary_key=True),
        Column("subject", Text, nullable=False),
        Column("reply", Text),
        Column("received_at", DateTime(timezone=True), nullable=False, server_default=NOW),
        Index("handled_requests_received_at", "received_at", postgresql_using="brin"),
        schema=schema,
    )
    return {"outbox": outbox, "inbox": inbox, "handled_requests": handled}


def const(value: str) -> ColumnElement[Any]:
    """A string constant written into the SQL, not sent as a parameter: a partial index
    (`WHERE status = 'open'`) serves a prepared statement only when the constant is there."""
    quote = String().literal_processor(_ASYNCPG)
    assert quote is not None
    return literal_column(quote(value))


@dataclass(frozen=True)
class Query:
    """A SQLAlchemy/SQLModel statement compiled once, at import, for asyncpg (`$1`, `$2` ...).

    The typed read paths are written as `select(...)` over the table classes, so a renamed or
    retyped column fails mypy or the drift test rather than a query at run time; they run on
    the services' asyncpg pool like every other statement, with no ORM session in between.
    Parameters are `bindparam(name)`s, given by name to `args`; constants are `const(...)`.
    """

    sql: str
    names: tuple[str, ...]

    @classmethod
    def of(cls, statement: ClauseElement) -> Query:
        compiled = statement.compile(dialect=_ASYNCPG)
        assert isinstance(compiled, SQLCompiler)
        return cls(str(compiled), tuple(compiled.positiontup or ()))

    def args(self, **values: Any) -> list[Any]:
        """The positional arguments, from every parameter by name."""
        if set(values) != set(self.names):
            raise TypeError(f"parameters {sorted(self.names)}, given {sorted(values)}")
        return [values[n] for n in self.names]
