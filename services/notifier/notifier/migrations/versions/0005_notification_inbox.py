"""Each user's notification inbox: every notification kept, read or unread.

`seq` orders a user's inbox (newest first) and is the paging cursor; the partial index
counts and lists the unread ones without reading the read ones.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

S = "notifier"


def upgrade() -> None:
    op.execute(f"""CREATE TABLE {S}.notifications (
        seq BIGSERIAL UNIQUE,
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        text TEXT NOT NULL,
        deal_id TEXT NOT NULL,
        task JSONB,
        created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        read_at TIMESTAMPTZ
    )""")
    op.execute(f"CREATE INDEX notifications_user ON {S}.notifications (user_id, seq)")
    op.execute(
        f"""CREATE INDEX notifications_unread ON {S}.notifications (user_id, seq)
            WHERE read_at IS NULL"""
    )
    op.execute(f"CREATE INDEX notifications_age ON {S}.notifications USING brin (created_at)")


def downgrade() -> None:
    op.execute(f"DROP TABLE IF EXISTS {S}.notifications")
