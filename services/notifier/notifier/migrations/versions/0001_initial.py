"""Deadlines, deliveries, their attempt log, disabled endpoints, outbox and inbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from alembic import op

from crm_shared.machinery.inbox import inbox_ddl
from crm_shared.machinery.outbox import outbox_ddl

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

S = "notifier"


def upgrade() -> None:
    # One row per task ever seen. A closed row stays as a tombstone, so that a TaskOpened
    # arriving after its TaskClosed cannot bring the task back.
    op.execute(f"""CREATE TABLE {S}.deadlines (
        task_id TEXT PRIMARY KEY,
        deal_id TEXT NOT NULL,
        creator_id TEXT,
        responsible_id TEXT,
        title TEXT NOT NULL,
        deadline TIMESTAMPTZ,
        task JSONB NOT NULL,
        open BOOLEAN NOT NULL,
        fired_at TIMESTAMPTZ,
        updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )""")
    # Only what may still fire is indexed: min(deadline) and the firing query read the first
    # entries of this index, whatever the number of tasks.
    op.execute(
        f"CREATE INDEX deadlines_due ON {S}.deadlines (deadline) WHERE open AND fired_at IS NULL"
    )
    op.execute(f"""CREATE TABLE {S}.deliveries (
        id TEXT PRIMARY KEY,
        channel TEXT NOT NULL,
        user_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        target TEXT NOT NULL,
        payload BYTEA NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending',
        attempts INT NOT NULL DEFAULT 0,
        next_attempt_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        last_error TEXT,
        created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        delivered_at TIMESTAMPTZ
    )""")
    op.execute(
        f"CREATE INDEX deliveries_due ON {S}.deliveries (next_attempt_at) WHERE status = 'pending'"
    )
    op.execute(f"""CREATE TABLE {S}.delivery_attempts (
        id BIGSERIAL PRIMARY KEY,
        delivery_id TEXT NOT NULL REFERENCES {S}.deliveries (id),
        attempt INT NOT NULL,
        at TIMESTAMPTZ NOT NULL DEFAULT now(),
        status_code INT,
        outcome TEXT NOT NULL,
        error TEXT,
        duration_ms INT NOT NULL,
        retry_in_seconds DOUBLE PRECISION
    )""")
    op.execute(f"CREATE INDEX delivery_attempts_delivery ON {S}.delivery_attempts (delivery_id)")
    op.execute(f"""CREATE TABLE {S}.disabled_endpoints (
        url TEXT PRIMARY KEY,
        user_id TEXT NOT NULL,
        reason TEXT NOT NULL,
        disabled_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )""")
    for ddl in outbox_ddl(S) + inbox_ddl(S):
        op.execute(ddl)


def downgrade() -> None:
    for table in (
        "inbox",
        "outbox",
        "disabled_endpoints",
        "delivery_attempts",
        "deliveries",
        "deadlines",
    ):
        op.execute(f"DROP TABLE IF EXISTS {S}.{table}")
