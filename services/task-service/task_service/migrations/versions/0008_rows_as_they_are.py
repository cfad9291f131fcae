"""Tasks and the outbox's rows are kept as they are, not compressed (issue 25): a stage task
carries the stage's instruction, and so does its TaskOpened; see `db.stored_as_is`.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from alembic import op

from crm_shared.machinery.db import stored_as_is, stored_compressed

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

TABLES = ("tasks", "outbox")


def upgrade() -> None:
    for ddl in stored_as_is("task", *TABLES):
        op.execute(ddl)


def downgrade() -> None:
    for ddl in stored_compressed("task", *TABLES):
        op.execute(ddl)
