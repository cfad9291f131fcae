"""An imported deal's modification time in the system it came from (issue 24 §1): a later
`crm import bitrix24` updates the deals whose Bitrix24 DATE_MODIFY (or contact's, or stage
move's) is newer than the one imported last, and leaves the others unchanged.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06
"""

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE deal.deals ADD COLUMN external_modified_at timestamptz")


def downgrade() -> None:
    op.execute("ALTER TABLE deal.deals DROP COLUMN external_modified_at")
