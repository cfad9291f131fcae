"""The tables of schema `notifier`, as the migrations make them (SQLModel).

One declaration that the typed read paths use and that tests/integration compares with the
migrated database (`tests/integration/test_tables.py`), so the two cannot drift; the target
of its migrations' autogenerate (`python -m <service> revision`). The hot batched writes (the
deadline watcher, the delivery worker, the inbox of each user) stay in asyncpg SQL.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Double,
    Index,
    Integer,
    LargeBinary,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from crm_shared.machinery.tables import NOW, shared_tables
from notifier.settings import SCHEMA

TZ = DateTime(timezone=True)


class DeadlineRow(SQLModel, table=True):
    """One row per task ever seen; a closed row stays as a tombstone."""

    __tablename__ = "deadlines"
    __table_args__ = (
        Index("deadlines_due", "deadline", postgresql_where=text("open AND fired_at IS NULL")),
        Index("deadlines_open_deal", "deal_id", postgresql_where=text("open")),
        {"schema": SCHEMA},
    )

    task_id: str = Field(sa_type=Text, primary_key=True)
    deal_id: str = Field(sa_type=Text)
    creator_id: str | None = Field(default=None, sa_type=Text)
    responsible_id: str | None = Field(default=None, sa_type=Text)
    title: str = Field(sa_type=Text)
    deadline: datetime | None = Field(default=None, sa_type=TZ)
    task: dict[str, Any] = Field(sa_type=JSONB)
    open: bool = Field(sa_type=Boolean)
    fired_at: datetime | None = Field(default=None, sa_type=TZ)
    updated_at: datetime = Field(sa_type=TZ, sa_column_kwargs={"server_default": NOW})


class IdleDealRow(SQLModel, table=True):
    """One row per deal seen: its last activity and when it is due to be idle (0006)."""

    __tablename__ = "idle_deals"
    __table_args__ = (
        Index(
            "idle_deals_due",
            "due_at",
            postgresql_where=text("fired_at IS NULL AND due_at IS NOT NULL"),
        ),
        Index("idle_deals_idle", "due_at", postgresql_where=text("fired_at IS NOT NULL")),
        {"schema": SCHEMA},
    )

    deal_id: str = Field(sa_type=Text, primary_key=True)
    version: int = Field(sa_type=Integer)
    stage: str = Field(sa_type=Text)
    active: bool = Field(sa_type=Boolean)
    responsible_id: str | None = Field(default=None, sa_type=Text)
    rop_id: str | None = Field(default=None, sa_type=Text)
    title: str | None = Field(default=None, sa_type=Text)
    contact_name: str | None = Field(default=None, sa_type=Text)
    last_activity_at: datetime = Field(sa_type=TZ)
    due_at: datetime | None = Field(default=None, sa_type=TZ)
    fired_at: datetime | None = Field(default=None, sa_type=TZ)


class IdleThresholdRow(SQLModel, table=True):
    """deal-service's idle threshold of a stage, as last received (0006)."""

    __tablename__ = "idle_thresholds"
    __table_args__ = ({"schema": SCHEMA},)

    stage: str = Field(sa_type=Text, primary_key=True)
    seconds: float | None = Field(default=None, sa_type=Double)
    samples: int = Field(sa_type=Integer)
    source: str = Field(sa_type=Text)
    computed_at: datetime = Field(sa_type=TZ)


class IdleDigestRow(SQLModel, table=True):
    """A local day whose idle digest went out (0006)."""

    __tablename__ = "idle_digests"
    __table_args__ = ({"schema": SCHEMA},)

    day: date = Field(sa_type=Date, primary_key=True)
    sent_at: datetime = Field(sa_type=TZ, sa_column_kwargs={"server_default": NOW})


class DeliveryRow(SQLModel, table=True):
    __tablename__ = "deliveries"
    __table_args__ = (
        Index("deliveries_due", "next_attempt_at", postgresql_where=text("status = 'pending'")),
        Index("deliveries_failed", "created_at", postgresql_where=text("status = 'failed'")),
        {"schema": SCHEMA},
    )

    id: str = Field(sa_type=Text, primary_key=True)
    channel: str = Field(sa_type=Text)
    user_id: str = Field(sa_type=Text)
    kind: str = Field(sa_type=Text)
    target: str = Field(sa_type=Text)
    payload: bytes = Field(sa_type=LargeBinary)
    status: str = Field(
        default="pending", sa_type=Text, sa_column_kwargs={"server_default": text("'pending'")}
    )
    attempts: int = Field(default=0, sa_type=Integer, sa_column_kwargs={"server_default": "0"})
    next_attempt_at: datetime = Field(sa_type=TZ, sa_column_kwargs={"server_default": NOW})
    last_error: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = Field(sa_type=TZ, sa_column_kwargs={"server_default": NOW})
    delivered_at: datetime | None = Field(default=None, sa_type=TZ)


class DeliveryAttemptRow(SQLModel, table=True):
    __tablename__ = "delivery_attempts"
    __table_args__ = (
        Index("delivery_attempts_delivery", "delivery_id"),
        {"schema": SCHEMA},
    )

    id: int | None = Field(default=None, sa_type=BigInteger, primary_key=True)
    delivery_id: str = Field(sa_type=Text, foreign_key=f"{SCHEMA}.deliveries.id")
    attempt: int = Field(sa_type=Integer)
    at: datetime = Field(sa_type=TZ, sa_column_kwargs={"server_default": NOW})
    status_code: int | None = Field(default=None, sa_type=Integer)
    outcome: str = Field(sa_type=Text)
    error: str | None = Field(default=None, sa_type=Text)
    duration_ms: int = Field(sa_type=Integer)
    retry_in_seconds: float | None = Field(default=None, sa_type=Double)


class DisabledEndpoint(SQLModel, table=True):
    __tablename__ = "disabled_endpoints"
    __table_args__ = ({"schema": SCHEMA},)

    url: str = Field(sa_type=Text, primary_key=True)
    user_id: str = Field(sa_type=Text)
    reason: str = Field(sa_type=Text)
    disabled_at: datetime = Field(sa_type=TZ, sa_column_kwargs={"server_default": NOW})


class NotificationRow(SQLModel, table=True):
    """A user's notification inbox; `seq` orders it and is the paging cursor."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("seq", name="notifications_seq_key"),
        Index("notifications_user", "user_id", "seq"),
        Index("notifications_unread", "user_id", "seq", postgresql_where=text("read_at IS NULL")),
        Index("notifications_age", "created_at", postgresql_using="brin"),
        Index(
            "notifications_refused",
            "deal_id",
            "stage",
            postgresql_where=text("kind = 'move_rejected' AND read_at IS NULL"),
        ),
        {"schema": SCHEMA},
    )

    seq: int | None = Field(
        default=None,
        sa_type=BigInteger,
        sa_column_kwargs={
            "nullable": False,
            "server_default": text(f"nextval('{SCHEMA}.notifications_seq_seq'::regclass)"),
        },
    )
    id: str = Field(sa_type=Text, primary_key=True)
    user_id: str = Field(sa_type=Text)
    kind: str = Field(sa_type=Text)
    text: str = Field(sa_type=Text)
    deal_id: str = Field(sa_type=Text)
    task: dict[str, Any] | None = Field(default=None, sa_type=JSONB)
    created_at: datetime = Field(sa_type=TZ, sa_column_kwargs={"server_default": NOW})
    read_at: datetime | None = Field(default=None, sa_type=TZ)
    stage: str | None = Field(default=None, sa_type=Text)  # move_rejected: the refused stage
    deal_version: int | None = Field(default=None)  # move_rejected: the deal's, at the refusal


SHARED = shared_tables(SQLModel.metadata, SCHEMA)
# alembic's target (migrations/env.py): SQLModel keeps every table class in one MetaData, so a
# process that imports several services' tables (the tests) has them all; the environment
# compares SCHEMA's alone.
METADATA = SQLModel.metadata
