"""The tables of schema `task`, as the migrations make them (SQLModel).

One declaration that the typed read paths use and that tests/integration compares with the
migrated database (`tests/integration/test_tables.py`), so the two cannot drift; the target
of its migrations' autogenerate (`python -m <service> revision`). The hot batched writes
(opening and closing stage tasks) stay in asyncpg SQL.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Index,
    Integer,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from crm_shared.machinery.tables import NOW, shared_tables
from task_service.settings import SCHEMA

TZ = DateTime(timezone=True)


class DealState(SQLModel, table=True):
    """The latest deal version applied to the tasks: older events are ignored (SPEC §4)."""

    __tablename__ = "deal_state"
    __table_args__ = ({"schema": SCHEMA},)

    deal_id: str = Field(sa_type=Text, primary_key=True)
    version: int = Field(default=0, sa_type=Integer, sa_column_kwargs={"server_default": "0"})
    stage: str | None = Field(default=None, sa_type=Text)
    responsible_id: str | None = Field(default=None, sa_type=Text)
    rop_id: str | None = Field(default=None, sa_type=Text)
    closed: bool = Field(
        default=False, sa_type=Boolean, sa_column_kwargs={"server_default": text("false")}
    )
    updated_at: datetime = Field(sa_type=TZ, sa_column_kwargs={"server_default": NOW})


class TaskRow(SQLModel, table=True):
    __tablename__ = "tasks"
    __table_args__ = (
        UniqueConstraint("seq", name="tasks_seq_key"),
        CheckConstraint("status IN ('open', 'closed')", name="tasks_status_check"),
        CheckConstraint("kind IN ('stage', 'rop', 'own')", name="tasks_kind_check"),
        CheckConstraint(
            "close_reason IN ('completed', 'stage_left', 'deal_closed', 'rop_set')",
            name="tasks_close_reason_check",
        ),
        CheckConstraint(
            "(status = 'open') = (close_reason IS NULL AND closed_at IS NULL)", name="tasks_check"
        ),
        # SPEC §3 rule 2, kept by the database: a deal never has two open stage tasks (nor
        # two open РОП tasks).
        Index(
            "tasks_one_open_stage_task",
            "deal_id",
            unique=True,
            postgresql_where=text("status = 'open' AND stage IS NOT NULL"),
        ),
        Index(
            "tasks_one_open_rop_task",
            "deal_id",
            unique=True,
            postgresql_where=text("status = 'open' AND kind = 'rop'"),
        ),
        Index("tasks_deal", "deal_id", "seq"),
        Index("tasks_responsible", "responsible_id", "seq"),
        Index("tasks_open_deadline", "deadline", postgresql_where=text("status = 'open'")),
        Index(
            "tasks_deadline",
            "deadline",
            postgresql_include=["responsible_id", "closed_at", "status"],
            postgresql_where=text("deadline IS NOT NULL"),
        ),
        {"schema": SCHEMA},
    )

    # BIGSERIAL: the order of a deal's or a person's tasks, and the paging cursor.
    seq: int | None = Field(
        default=None,
        sa_type=BigInteger,
        sa_column_kwargs={
            "nullable": False,
            "server_default": text(f"nextval('{SCHEMA}.tasks_seq_seq'::regclass)"),
        },
    )
    id: str = Field(sa_type=Text, primary_key=True)
    deal_id: str = Field(sa_type=Text)
    stage: str | None = Field(default=None, sa_type=Text)
    title: str = Field(sa_type=Text)
    description: str = Field(
        default="", sa_type=Text, sa_column_kwargs={"server_default": text("''")}
    )
    creator_id: str | None = Field(default=None, sa_type=Text)
    responsible_id: str | None = Field(default=None, sa_type=Text)
    deadline: datetime | None = Field(default=None, sa_type=TZ)
    opened_at: datetime = Field(sa_type=TZ)
    deal_version: int = Field(sa_type=Integer)
    status: str = Field(sa_type=Text)
    close_reason: str | None = Field(default=None, sa_type=Text)
    closed_at: datetime | None = Field(default=None, sa_type=TZ)
    comments: list[dict[str, Any]] = Field(
        default_factory=list, sa_type=JSONB, sa_column_kwargs={"server_default": text("'[]'")}
    )
    deal_title: str | None = Field(default=None, sa_type=Text)
    contact_name: str | None = Field(default=None, sa_type=Text)
    kind: str = Field(
        default="stage", sa_type=Text, sa_column_kwargs={"server_default": text("'stage'")}
    )
    rop_id: str | None = Field(default=None, sa_type=Text)
    reschedules: list[dict[str, Any]] = Field(
        default_factory=list, sa_type=JSONB, sa_column_kwargs={"server_default": text("'[]'")}
    )
    # who completed the task by hand (NULL: the system closed it, or closed before 0009)
    closed_by: str | None = Field(default=None, sa_type=Text)


SHARED = shared_tables(SQLModel.metadata, SCHEMA)
# alembic's target (migrations/env.py): SQLModel keeps every table class in one MetaData, so a
# process that imports several services' tables (the tests) has them all; the environment
# compares SCHEMA's alone.
METADATA = SQLModel.metadata
