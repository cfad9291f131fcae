"""The outbox's rows are kept as they are, not compressed (issue 25): an event's payload
lives until the relay's ack, about a second; see `db.stored_as_is`.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07
"""

from alembic import op

from crm_shared.machinery.db import stored_as_is, stored_compressed

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

TABLES = ("outbox",)


def upgrade() -> None:
    for ddl in stored_as_is("deal", *TABLES):
        op.execute(ddl)


def downgrade() -> None:
    for ddl in stored_compressed("deal", *TABLES):
        op.execute(ddl)
