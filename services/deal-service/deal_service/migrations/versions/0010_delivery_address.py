"""The deal's delivery address («доставка на конкретный адрес»), for a deal delivered.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

S = "deal"


def upgrade() -> None:
    # A column without a default: adding it rewrites nothing, whatever the table's size.
    op.execute(f"ALTER TABLE {S}.deals ADD COLUMN delivery_address TEXT")


def downgrade() -> None:
    op.execute(f"ALTER TABLE {S}.deals DROP COLUMN delivery_address")
