"""The table of handled requests: a command's request_id answered once (24 hours).

See `crm_shared.requests`.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

from alembic import op

from crm_shared.requests import drop_requests_ddl, requests_ddl

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for statement in requests_ddl("deal"):
        op.execute(statement)


def downgrade() -> None:
    for statement in drop_requests_ddl("deal"):
        op.execute(statement)
