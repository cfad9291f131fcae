"""An index on the deliveries given up after max_attempts, for listing and counting them.

Delivered rows stay in the table, so without it `crm delivery list` and the
crm_deliveries_failed gauge would read every delivery ever made.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

S = "notifier"


def upgrade() -> None:
    op.execute(
        f"CREATE INDEX deliveries_failed ON {S}.deliveries (created_at) WHERE status = 'failed'"
    )


def downgrade() -> None:
    op.execute(f"DROP INDEX IF EXISTS {S}.deliveries_failed")
