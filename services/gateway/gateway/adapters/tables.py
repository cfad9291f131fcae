"""The tables of schema `gateway`, as the migrations make them (SQLModel).

One declaration that the typed reads of sessions, passwords and tokens use and that
tests/integration compares with the migrated database (`tests/integration/test_tables.py`),
so the two cannot drift; the target of the migrations' autogenerate (`python -m gateway
revision`). The gateway has no outbox or inbox: what it publishes (leads) is acknowledged
by JetStream before it answers, and it consumes no stream durably (its live feed is an
ordered consumer, resumed from the stream).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    ARRAY,
    DateTime,
    Double,
    Index,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    Text,
    text,
)
from sqlmodel import Field, SQLModel

from crm_shared.machinery.tables import NOW
from gateway.settings import SCHEMA

TZ = DateTime(timezone=True)


class PasswordRow(SQLModel, table=True):
    """A person's password hash (argon2); the people themselves come from the configuration."""

    __tablename__ = "passwords"
    __table_args__ = ({"schema": SCHEMA},)

    user_id: str = Field(sa_type=Text, primary_key=True)
    hash: str = Field(sa_type=Text)
    updated_at: datetime = Field(sa_type=TZ, sa_column_kwargs={"server_default": NOW})


class SessionRow(SQLModel, table=True):
    """A signed-in session, found by the SHA-256 of its cookie."""

    __tablename__ = "sessions"
    __table_args__ = (Index("sessions_expiry", "expires_at"), {"schema": SCHEMA})

    token_hash: str = Field(sa_type=Text, primary_key=True)
    user_id: str = Field(sa_type=Text)
    csrf: str = Field(sa_type=Text)
    created_at: datetime = Field(sa_type=TZ, sa_column_kwargs={"server_default": NOW})
    expires_at: datetime = Field(sa_type=TZ)


class SigninFailureRow(SQLModel, table=True):
    """One failed sign-in, per account and per address (`key`), counted in a window."""

    __tablename__ = "signin_failures"
    __table_args__ = (Index("signin_failures_key", "key", "at"), {"schema": SCHEMA})
    __mapper_args__ = {"primary_key": ["key", "at"]}  # the table has none; the ORM wants one

    key: str = Field(sa_type=Text, nullable=False)
    at: datetime = Field(sa_type=TZ, nullable=False, sa_column_kwargs={"server_default": NOW})


class TokenRow(SQLModel, table=True):
    """An integration token (stored hashed), its scopes, format and rate, and the user it
    acts as (`owner_id`; none: leads and events only)."""

    __tablename__ = "tokens"
    __table_args__ = (
        Index("tokens_live_name", "name", unique=True, postgresql_where=text("revoked_at IS NULL")),
        {"schema": SCHEMA},
    )

    id: str = Field(sa_type=Text, primary_key=True)
    name: str = Field(sa_type=Text)
    secret_hash: str = Field(sa_type=Text)
    scopes: list[str] = Field(sa_type=ARRAY(Text))
    format: str = Field(sa_type=Text, sa_column_kwargs={"server_default": "json"})
    webhook_secret: str | None = Field(default=None, sa_type=Text)
    rate_per_second: float = Field(sa_type=Double)
    burst: int = Field(sa_type=Integer)
    created_at: datetime = Field(sa_type=TZ, sa_column_kwargs={"server_default": NOW})
    revoked_at: datetime | None = Field(default=None, sa_type=TZ)
    owner_id: str | None = Field(default=None, sa_type=Text)


class IdempotencyRow(SQLModel, table=True):
    """The first answer to an Idempotency-Key (IETF draft), kept for a day."""

    __tablename__ = "idempotency"
    __table_args__ = (PrimaryKeyConstraint("scope", "key"), {"schema": SCHEMA})

    scope: str = Field(sa_type=Text)
    key: str = Field(sa_type=Text)
    fingerprint: str = Field(sa_type=Text)
    status: int | None = Field(default=None, sa_type=Integer)
    body: bytes | None = Field(default=None, sa_type=LargeBinary)
    content_type: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = Field(sa_type=TZ, sa_column_kwargs={"server_default": NOW})


# alembic's target (migrations/env.py): SQLModel keeps every table class in one MetaData, so a
# process that imports several services' tables (the tests) has them all; the environment
# compares SCHEMA's alone.
METADATA = SQLModel.metadata
