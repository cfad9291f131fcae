"""Idle deals (issue 24): the watched deals with their due times, the thresholds, and the
days whose digest went out.

`idle_deals_due` is the watcher's (the head: the nearest due time not yet fired);
`idle_deals_idle` lists the deals idle now (the marks, the digest, the gauge) without
reading the others.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

S = "notifier"


def upgrade() -> None:
    op.execute(f"""CREATE TABLE {S}.idle_deals (
        deal_id TEXT PRIMARY KEY,
        version INTEGER NOT NULL,
        stage TEXT NOT NULL,
        active BOOLEAN NOT NULL,
        responsible_id TEXT,
        rop_id TEXT,
        title TEXT,
        contact_name TEXT,
        last_activity_at TIMESTAMPTZ NOT NULL,
        due_at TIMESTAMPTZ,
        fired_at TIMESTAMPTZ
    )""")
    op.execute(
        f"""CREATE INDEX idle_deals_due ON {S}.idle_deals (due_at)
            WHERE fired_at IS NULL AND due_at IS NOT NULL"""
    )
    op.execute(
        f"CREATE INDEX idle_deals_idle ON {S}.idle_deals (due_at) WHERE fired_at IS NOT NULL"
    )
    op.execute(f"""CREATE TABLE {S}.idle_thresholds (
        stage TEXT PRIMARY KEY,
        seconds DOUBLE PRECISION,
        samples INTEGER NOT NULL,
        source TEXT NOT NULL,
        computed_at TIMESTAMPTZ NOT NULL
    )""")
    op.execute(f"""CREATE TABLE {S}.idle_digests (
        day DATE PRIMARY KEY,
        sent_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )""")


def downgrade() -> None:
    op.execute(f"DROP TABLE IF EXISTS {S}.idle_digests")
    op.execute(f"DROP TABLE IF EXISTS {S}.idle_thresholds")
    op.execute(f"DROP TABLE IF EXISTS {S}.idle_deals")
