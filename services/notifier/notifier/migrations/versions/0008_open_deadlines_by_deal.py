"""An index of the open tasks by deal: a deal given to another manager tells its new
responsible how many open tasks came along (deal_received), counted without reading every
task ever seen.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE INDEX deadlines_open_deal ON notifier.deadlines (deal_id) WHERE open")


def downgrade() -> None:
    op.execute("DROP INDEX notifier.deadlines_open_deal")
