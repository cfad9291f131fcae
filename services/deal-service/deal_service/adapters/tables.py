"""The tables of schema `deal`, as the migrations make them (SQLModel).

One declaration that the typed read paths use and that tests/integration compares with the
migrated database (`tests/integration/test_tables.py`), so the two cannot drift; the target
of its migrations' autogenerate (`python -m <service> revision`). The hot batched writes (the
lead batch, moves) stay in asyncpg SQL; what the database keeps by itself (the triggers of
0002/0003/0007 and `lead_assignment_seq`) is in the migrations only.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Double,
    Index,
    Integer,
    Numeric,
    Sequence,
    Text,
    UniqueConstraint,
    func,
    literal_column,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlmodel import Field, SQLModel, col

from crm_shared.machinery.tables import NOW, shared_tables
from deal_service.settings import SCHEMA

TZ = DateTime(timezone=True)


def _folded(value: Any) -> Any:
    """ё read as е, as the search box's words are (migration 0017)."""
    return func.translate(value, "Ёё", "Ее")


def _trigram(name: str, column: str) -> Index:
    """A GIN trigram index (pg_trgm, migrations 0012, 0017) for the search box's words."""
    folded = _folded(literal_column(column)).label(f"{column}_folded")
    return Index(
        name, folded, postgresql_using="gin", postgresql_ops={f"{column}_folded": "gin_trgm_ops"}
    )


def _words(name: str, column: str) -> Index:
    """A GIN full-text index ('simple', migrations 0014, 0017) of the search box's whole words."""
    vector = func.to_tsvector(
        literal_column("'simple'::regconfig"), _folded(func.coalesce(literal_column(column), ""))
    )
    return Index(name, vector, postgresql_using="gin")


class Contact(SQLModel, table=True):
    __tablename__ = "contacts"
    __table_args__ = (
        Index("contacts_phone", "phone_norm", postgresql_where=text("phone_norm IS NOT NULL")),
        Index("contacts_email", "email_norm", postgresql_where=text("email_norm IS NOT NULL")),
        Index(  # a part of a phone, digits inside it (migration 0018)
            "contacts_phone_trgm",
            "phone_norm",
            postgresql_using="gin",
            postgresql_ops={"phone_norm": "gin_trgm_ops"},
        ),
        _trigram("contacts_name_trgm", "name"),
        _words("contacts_name_words", "name"),
        {"schema": SCHEMA},
    )

    id: str = Field(sa_type=Text, primary_key=True)
    name: str | None = Field(default=None, sa_type=Text)
    phone: str | None = Field(default=None, sa_type=Text)
    phone_norm: str | None = Field(default=None, sa_type=Text)
    email: str | None = Field(default=None, sa_type=Text)
    email_norm: str | None = Field(default=None, sa_type=Text)
    pays_by: str | None = Field(default=None, sa_type=Text)
    segment: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = Field(sa_type=TZ, sa_column_kwargs={"server_default": NOW})


class Deal(SQLModel, table=True):
    __tablename__ = "deals"
    __table_args__ = (
        UniqueConstraint("source", "external_id", name="deals_source_external_id_key"),
        Index("deals_stage", "stage"),
        Index("deals_responsible", "responsible_id"),
        Index("deals_contact", "contact_id"),
        _trigram("deals_title_trgm", "title"),
        _trigram("deals_company_trgm", "company"),
        _words("deals_title_words", "title"),
        _words("deals_company_words", "company"),
        Index(
            "deals_failure_comment",
            "stage",
            "created_at",
            postgresql_where=text("failure_comment IS NOT NULL"),
        ),
        {"schema": SCHEMA},
    )

    id: str = Field(sa_type=Text, primary_key=True)
    version: int = Field(sa_type=Integer)
    stage: str = Field(sa_type=Text)
    title: str | None = Field(default=None, sa_type=Text)
    amount: Decimal | None = Field(default=None, sa_type=Numeric(18, 2))
    currency: str = Field(
        default="RUB", sa_type=Text, sa_column_kwargs={"server_default": text("'RUB'")}
    )
    contact_id: str | None = Field(default=None, sa_type=Text, foreign_key=f"{SCHEMA}.contacts.id")
    company: str | None = Field(default=None, sa_type=Text)
    responsible_id: str | None = Field(default=None, sa_type=Text)
    rop_id: str | None = Field(default=None, sa_type=Text)
    subject: str | None = Field(default=None, sa_type=Text)
    requirements: str | None = Field(default=None, sa_type=Text)
    delivery_method: str | None = Field(default=None, sa_type=Text)
    delivery_address: str | None = Field(default=None, sa_type=Text)
    failure_comment: str | None = Field(default=None, sa_type=Text)
    contact_attempts: int = Field(
        default=0, sa_type=Integer, sa_column_kwargs={"server_default": text("0")}
    )
    source: str | None = Field(default=None, sa_type=Text)
    external_id: str | None = Field(default=None, sa_type=Text)
    lead_comment: str | None = Field(default=None, sa_type=Text)
    external_modified_at: datetime | None = Field(default=None, sa_type=TZ)
    """An imported deal's last modification in its source, as imported last (0015)."""
    created_at: datetime = Field(sa_type=TZ)
    updated_at: datetime = Field(sa_type=TZ)
    stage_attempts: list[dict[str, Any]] = Field(
        default_factory=list, sa_type=JSONB, sa_column_kwargs={"server_default": text("'[]'")}
    )


# Newest first, the order of `crm deal list` and its cursor.
Index("deals_created", col(Deal.created_at).desc(), col(Deal.id).desc())


class StageHistory(SQLModel, table=True):
    """A deal's stage entries; the columns after `at` are filled by the migrations' triggers."""

    __tablename__ = "stage_history"
    __table_args__ = (
        Index("stage_history_deal", "deal_id", "at"),
        Index(
            "stage_history_reached",
            "to_stage",
            "deal_created_at",
            postgresql_where=text("first_entry"),
        ),
        Index(
            "stage_history_left",
            "from_stage",
            "deal_created_at",
            postgresql_include=["from_stage_seconds"],
            postgresql_where=text("from_stage_seconds IS NOT NULL"),
        ),
        Index(
            "stage_history_entered",
            "to_stage",
            "at",
            postgresql_include=["currency", "responsible_id", "source", "amount"],
            postgresql_where=text("from_stage IS NOT NULL AND first_entry"),
        ),
        Index(
            "stage_history_left_at",
            "from_stage",
            "at",
            postgresql_include=["from_stage_seconds"],
            postgresql_where=text("from_stage_seconds IS NOT NULL"),
        ),
        {"schema": SCHEMA},
    )

    id: int | None = Field(default=None, sa_type=BigInteger, primary_key=True)
    deal_id: str = Field(sa_type=Text, foreign_key=f"{SCHEMA}.deals.id")
    from_stage: str | None = Field(default=None, sa_type=Text)
    to_stage: str = Field(sa_type=Text)
    version: int = Field(sa_type=Integer)
    actor_id: str | None = Field(default=None, sa_type=Text)
    at: datetime = Field(sa_type=TZ)
    deal_created_at: datetime | None = Field(default=None, sa_type=TZ)
    from_entered_at: datetime | None = Field(default=None, sa_type=TZ)
    from_stage_seconds: float | None = Field(default=None, sa_type=Double)
    first_entry: bool = Field(
        default=True, sa_type=Boolean, sa_column_kwargs={"server_default": text("true")}
    )
    amount: Decimal | None = Field(default=None, sa_type=Numeric(18, 2))
    currency: str | None = Field(default=None, sa_type=Text)
    responsible_id: str | None = Field(default=None, sa_type=Text)
    source: str | None = Field(default=None, sa_type=Text)


class ContactAttempt(SQLModel, table=True):
    __tablename__ = "contact_attempts"
    __table_args__ = (Index("contact_attempts_deal", "deal_id", "at"), {"schema": SCHEMA})

    id: int | None = Field(default=None, sa_type=BigInteger, primary_key=True)
    deal_id: str = Field(sa_type=Text, foreign_key=f"{SCHEMA}.deals.id")
    actor_id: str = Field(sa_type=Text)
    note: str | None = Field(default=None, sa_type=Text)
    at: datetime = Field(sa_type=TZ)
    stage: str | None = Field(default=None, sa_type=Text)


class Erasure(SQLModel, table=True):
    """The log of erased contacts (handlers/erasure.py): nothing personal in it."""

    __tablename__ = "erasures"
    __table_args__ = ({"schema": SCHEMA},)

    id: int | None = Field(default=None, sa_type=BigInteger, primary_key=True)
    contact_id: str = Field(sa_type=Text)
    actor_id: str = Field(sa_type=Text)
    at: datetime = Field(sa_type=TZ)
    deal_ids: list[str] = Field(sa_type=ARRAY(Text))


class OpenStay(SQLModel, table=True):
    """Each deal's current stay, kept by the stage-history trigger of migration 0007."""

    __tablename__ = "open_stays"
    __table_args__ = (
        Index("open_stays_stage", "stage", "entered_at", postgresql_include=["deal_created_at"]),
        {"schema": SCHEMA},
    )

    deal_id: str = Field(sa_type=Text, primary_key=True)
    stage: str = Field(sa_type=Text)
    entered_at: datetime = Field(sa_type=TZ)
    deal_created_at: datetime | None = Field(default=None, sa_type=TZ)


class ApprovalRequest(SQLModel, table=True):
    """A move waiting for the РОП's agreement (rule 6), one per deal (migration 0008)."""

    __tablename__ = "approval_requests"
    __table_args__ = (Index("approval_requests_asked", "asked_at"), {"schema": SCHEMA})

    deal_id: str = Field(sa_type=Text, primary_key=True, foreign_key="deal.deals.id")
    to_stage: str = Field(sa_type=Text)
    asked_by: str = Field(sa_type=Text)
    asked_at: datetime = Field(sa_type=TZ)


class JournalEntry(SQLModel, table=True):
    """A deal's note, field change or approval request (its story; migration 0013)."""

    __tablename__ = "journal"
    __table_args__ = (Index("journal_deal", "deal_id", "at"), {"schema": SCHEMA})

    id: int | None = Field(default=None, sa_type=BigInteger, primary_key=True)
    deal_id: str = Field(sa_type=Text, foreign_key=f"{SCHEMA}.deals.id")
    at: datetime = Field(sa_type=TZ)
    kind: str = Field(sa_type=Text)
    actor_id: str | None = Field(default=None, sa_type=Text)
    data: dict[str, Any] = Field(
        default_factory=dict, sa_type=JSONB, sa_column_kwargs={"server_default": text("'{}'")}
    )


LEAD_ASSIGNMENT_SEQ = Sequence("lead_assignment_seq", schema=SCHEMA, metadata=SQLModel.metadata)
SHARED = shared_tables(SQLModel.metadata, SCHEMA)
# alembic's target (migrations/env.py): SQLModel keeps every table class in one MetaData, so a
# process that imports several services' tables (the tests) has them all; the environment
# compares SCHEMA's alone.
METADATA = SQLModel.metadata
