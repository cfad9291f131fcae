"""A refused move's notice remembers the deal's version at the refusal, so that only a move
made after it settles it: the deal consumer, behind, may handle a move into that stage made
before the refusal (the deal entered the stage, left it, and a move back was refused).
Older notices have none and are settled by any move into their stage, as before.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE notifier.notifications ADD COLUMN deal_version integer")


def downgrade() -> None:
    op.execute("ALTER TABLE notifier.notifications DROP COLUMN deal_version")
