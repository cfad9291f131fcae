"""A token acts as its owner: the user who made it (`owner_id`).

Tokens made before have no owner, and so act as no one: they keep sending leads and reading
the event feed, and anything else they ask is refused until a token is made as a user
(before, every token acted as the default РОП, whoever made it).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

S = "gateway"


def upgrade() -> None:
    op.execute(f"ALTER TABLE {S}.tokens ADD COLUMN owner_id TEXT")


def downgrade() -> None:
    op.execute(f"ALTER TABLE {S}.tokens DROP COLUMN owner_id")
