"""Notices, deadlines, deliveries and the outbox's rows are kept as they are, not compressed
(issue 25): each carries the task with the stage's instruction; see `db.stored_as_is`.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from alembic import op

from crm_shared.machinery.db import stored_as_is, stored_compressed

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TABLES = ("notifications", "deadlines", "deliveries", "outbox")


def upgrade() -> None:
    for ddl in stored_as_is("notifier", *TABLES):
        op.execute(ddl)


def downgrade() -> None:
    for ddl in stored_compressed("notifier", *TABLES):
        op.execute(ddl)
