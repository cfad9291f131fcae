"""A BRIN index on the inbox's received_at, so that pruning old rows reads only those.

See `crm_shared.machinery.inbox.InboxPruner`: rows older than CRM_INBOX_RETENTION_DAYS are deleted.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from alembic import op

from crm_shared.machinery.inbox import drop_inbox_age_index_ddl, inbox_age_index_ddl

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for statement in inbox_age_index_ddl("deal"):
        op.execute(statement)


def downgrade() -> None:
    for statement in drop_inbox_age_index_ddl("deal"):
        op.execute(statement)
