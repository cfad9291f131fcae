"""People's passwords and sessions, failed sign-ins, integration tokens, idempotency keys.

Revision ID: 0001
Revises:
Create Date: 2026-11-30
"""

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

S = "gateway"


def upgrade() -> None:
    # Users themselves come from the CRM configuration; only their password hashes live here.
    op.execute(f"""CREATE TABLE {S}.passwords (
        user_id TEXT PRIMARY KEY,
        hash TEXT NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )""")
    # A session is found by the SHA-256 of its cookie: the table never holds a usable cookie.
    op.execute(f"""CREATE TABLE {S}.sessions (
        token_hash TEXT PRIMARY KEY,
        user_id TEXT NOT NULL,
        csrf TEXT NOT NULL,
        created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        expires_at TIMESTAMPTZ NOT NULL
    )""")
    op.execute(f"CREATE INDEX sessions_expiry ON {S}.sessions (expires_at)")
    # One row per failed sign-in, per account and per address (`key`), counted in a window.
    op.execute(f"""CREATE TABLE {S}.signin_failures (
        key TEXT NOT NULL,
        at TIMESTAMPTZ NOT NULL DEFAULT now()
    )""")
    op.execute(f"CREATE INDEX signin_failures_key ON {S}.signin_failures (key, at)")
    op.execute(f"""CREATE TABLE {S}.tokens (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        secret_hash TEXT NOT NULL,
        scopes TEXT[] NOT NULL,
        format TEXT NOT NULL DEFAULT 'json',
        webhook_secret TEXT,
        rate_per_second DOUBLE PRECISION NOT NULL,
        burst INT NOT NULL,
        created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        revoked_at TIMESTAMPTZ
    )""")
    # One live token per source name: /intake/<source> finds its token (and secret) by name.
    op.execute(
        f"CREATE UNIQUE INDEX tokens_live_name ON {S}.tokens (name) WHERE revoked_at IS NULL"
    )
    # Idempotency-Key records (IETF draft): the first answer, kept for a day.
    op.execute(f"""CREATE TABLE {S}.idempotency (
        scope TEXT NOT NULL,
        key TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        status INT,
        body BYTEA,
        content_type TEXT,
        created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        PRIMARY KEY (scope, key)
    )""")


def downgrade() -> None:
    for table in ("idempotency", "tokens", "signin_failures", "sessions", "passwords"):
        op.execute(f"DROP TABLE IF EXISTS {S}.{table}")
