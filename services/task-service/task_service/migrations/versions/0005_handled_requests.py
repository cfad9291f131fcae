"""The table of handled requests: a command's request_id answered once (24 hours).

See `crm_shared.requests`.

Revision ID: 0005
Revises: 0003
Create Date: 2026-11-30
"""

from alembic import op

from crm_shared.requests import drop_requests_ddl, requests_ddl

revision = "0005"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for statement in requests_ddl("task"):
        op.execute(statement)


def downgrade() -> None:
    for statement in drop_requests_ddl("task"):
        op.execute(statement)
