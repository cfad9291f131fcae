"""The tables every service keeps in its own schema: outbox, inbox, handled requests.

Each service's `adapters/tables.py` declares its own tables as SQLModel classes and calls
`shared_tables` for these three, so that the metadata of a service is its whole schema as
the migrations make it (tests/integration compares the two; see `migrated_schema_drift`).
They are plain SQLAlchemy tables, not SQLModel classes: the same three tables exist once per
schema, and nothing reads them as objects (the outbox relay and the inbox claim are hot
batched writes, in asyncpg).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    Text,
    UniqueConstraint,
    text,
)

NOW = text("now()")


def shared_tables(metadata: MetaData, schema: str) -> dict[str, Table]:
    """Outbox (crm_shared.outbox), inbox (crm_shared.inbox), handled requests
    (crm_shared.requests) of `schema`, added to `metadata`."""
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
