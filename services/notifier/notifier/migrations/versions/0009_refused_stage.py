"""A refused move's notice remembers the stage it was refused for, so that it is marked read
once the deal reaches that stage anyway (the notice is stale then: the board's dialog fixed
the fields and moved it). The unread ones are found by deal on a partial index.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE notifier.notifications ADD COLUMN stage text")
    op.execute(
        "CREATE INDEX notifications_refused ON notifier.notifications (deal_id, stage) "
        "WHERE kind = 'move_rejected' AND read_at IS NULL"
    )


def downgrade() -> None:
    op.execute("DROP INDEX notifier.notifications_refused")
    op.execute("ALTER TABLE notifier.notifications DROP COLUMN stage")
